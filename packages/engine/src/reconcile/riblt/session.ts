// The initiator's Rateless IBLT exchange over one range (PROTOCOL.md
// §7.9.4): the first request carries its fingerprint and the difference
// estimator; each reply's symbols are added to the decoder; the outcome is
// either the verified difference, the next request, or "give up" (the
// caller falls back to range rounds over the range).
import { create } from "@bufbuild/protobuf";
import {
  type CodedSymbols,
  type CodedSymbolsRequest,
  CodedSymbolsRequestSchema,
} from "@tidemark/protocol";
import { addInto, itemHash, subInto } from "../../fingerprint/index.js";
import { bytesEqual } from "../../store/ids.js";
import { invalid } from "../bounds.js";
import type { ReconcileSet } from "../item-set.js";
import type { CodedOpening } from "../options.js";
import { type Decoded, RibltDecoder } from "./decoder.js";
import { probesOf } from "./estimator.js";
import { giveUpAfter, nextBatch, OPENING_BATCH, wantsProbes } from "./policy.js";
import { symbolsFromWire } from "./symbols.js";

export type SessionStep =
  | { readonly kind: "decoded"; readonly diff: Decoded }
  | { readonly kind: "more"; readonly request: CodedSymbolsRequest }
  | { readonly kind: "give-up"; readonly reason: string };

export class RibltSession {
  private readonly decoder: RibltDecoder;
  private readonly fingerprint: Uint8Array;
  private continuations = 0;
  private theirItems = 0;
  private probesSent = false;

  constructor(
    private readonly set: ReconcileSet,
    private readonly i: number,
    private readonly j: number,
    private readonly opening: CodedOpening = "fingerprint",
  ) {
    this.decoder = new RibltDecoder(set, i, j);
    this.fingerprint = set.fingerprint(i, j);
  }

  /** Symbols received so far. */
  get received(): number {
    return this.decoder.received;
  }

  /**
   * The first request, from index 0. Fingerprint opening: a small batch and
   * no estimator (equal sets end with a skip, small differences decode at
   * once). Probes opening: the responder sizes the batch from the probes.
   */
  first(): CodedSymbolsRequest {
    if (this.opening === "fingerprint")
      return create(CodedSymbolsRequestSchema, {
        fingerprint: this.fingerprint,
        start: 0n,
        count: OPENING_BATCH,
      });
    return this.withProbes(0);
  }

  /** count 0 and the estimator: the responder sizes the batch (§7.9.3). */
  private withProbes(start: number): CodedSymbolsRequest {
    this.probesSent = true;
    return create(CodedSymbolsRequestSchema, {
      fingerprint: this.fingerprint,
      start: BigInt(start),
      count: 0,
      probes: probesOf(this.set, this.i, this.j),
    });
  }

  /** Takes one reply's symbols. Throws Invalid on a reply out of sequence. */
  take(reply: CodedSymbols): SessionStep {
    if (reply.start !== BigInt(this.decoder.received))
      throw invalid(`coded symbols start at ${reply.start}, expected ${this.decoder.received}`);
    if (reply.counts.length === 0) throw invalid("coded symbols reply carries no symbols");
    if (reply.start === 0n) this.theirItems = Number(reply.counts[0]);
    this.decoder.add(symbolsFromWire(Number(reply.start), reply));
    const diff = this.decoder.decode();
    if (diff !== undefined) {
      const why = this.verify(diff, reply.fingerprint);
      return why === undefined ? { kind: "decoded", diff } : { kind: "give-up", reason: why };
    }
    const received = this.decoder.received;
    if (received >= giveUpAfter(this.j - this.i, this.theirItems))
      return { kind: "give-up", reason: `not decoded after ${received} symbols` };
    const est = this.decoder.estimate();
    // The opening batch showed more differences than it can measure.
    if (!this.probesSent && wantsProbes(received, est))
      return { kind: "more", request: this.withProbes(received) };
    const count = nextBatch(received, est, this.continuations++);
    return {
      kind: "more",
      request: create(CodedSymbolsRequestSchema, {
        fingerprint: this.fingerprint,
        start: BigInt(received),
        count,
      }),
    };
  }

  /**
   * A decoded difference is accepted only if it is consistent with our
   * items and turns our fingerprint into the responder's (128 bits): a
   * false decode is caught here and the caller falls back to range rounds.
   */
  private verify(diff: Decoded, theirFingerprint: Uint8Array): string | undefined {
    const fp = this.fingerprint.slice();
    for (const x of diff.ours) {
      const k = this.set.indexOf(x.id, this.i, this.j);
      if (k < 0 || this.set.seqAt(k) !== x.seq) return "decoded an item we do not hold";
      subInto(fp, itemHash(x.id, x.seq));
    }
    for (const x of diff.theirs) {
      const k = this.set.indexOf(x.id, this.i, this.j);
      if (k >= 0 && this.set.seqAt(k) === x.seq) return "decoded an item we already hold";
      addInto(fp, itemHash(x.id, x.seq));
    }
    return bytesEqual(fp, theirFingerprint)
      ? undefined
      : "decoded difference fails the fingerprint";
  }
}

/** need/have from a verified difference (§7.1): per id, the higher seq wins. */
export function needAndHave(diff: Decoded): { need: Uint8Array[]; have: Uint8Array[] } {
  const ours = new Map<string, bigint>();
  for (const x of diff.ours) ours.set(key(x.id), x.seq);
  const need: Uint8Array[] = [];
  const have: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const x of diff.theirs) {
    const k = key(x.id);
    seen.add(k);
    const own = ours.get(k);
    if (own === undefined || x.seq > own) need.push(x.id);
    else have.push(x.id);
  }
  for (const x of diff.ours) if (!seen.has(key(x.id))) have.push(x.id);
  return { need, have };
}

function key(id: Uint8Array): string {
  return String.fromCharCode(...id);
}
