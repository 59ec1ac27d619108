// initiator-claims-honest: what an honest initiator says about its own
// items in range rounds (PROTOCOL.md §7.3–§7.5), judged on the wire over
// its items read through the probe. An initiator describes the set it
// captured when the run began, kept across rounds and resumed attempts,
// so the set is read when a request describes the whole id space (no
// `skip`: every run's first message, and a fallback from coded symbols)
// and kept only if the claims add up to it (the fingerprints plus the
// listed items' hashes, mod 2^128, equal its fingerprint). Against that
// set, every later request to the same responder for the same stream:
// - each `fingerprint` range is the sum over its items in the range (§7.3);
// - each `items` range lists exactly its items in the range, seqs included
//   (a full listing, §7.4).
// A request whose claims do not add up to its items now is not judged (the
// store changed since the run captured them, or rows held for a parent
// count in the engine's set); nor are liars' and the harness's requests.
// The responder checks none of this (it cannot), so a wrong description
// costs rounds or misses a difference that a later exchange repairs.
import { fingerprintOf, idFromHex, idToHex } from "@tidemark/engine";
import type { ReconcileRange, ReconcileRequest } from "@tidemark/protocol";
import type { TapInfo } from "../network/network.js";
import type { ReplicaProbe } from "../probe/probe.js";
import type { SpecItem } from "../spec/coded-symbols.js";
import type { PropertyFailure } from "./property.js";
import { hex, inSpan } from "./reconcile-rest.js";

const NAME = "initiator-claims-honest";
const MOD = 1n << 128n;

const big = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt(`0x${hex(b)}`));

/** The items of `set` in each range of a message tiling the id space (§7.2, as `inSpan`). */
function split(set: readonly SpecItem[], ranges: readonly ReconcileRange[]): SpecItem[][] {
  let lower = "";
  return ranges.map((r) => {
    // An empty upper bound is the end of the id space.
    const upper = r.upperBound.length === 0 ? undefined : hex(r.upperBound);
    const inside = set.filter((x) => inSpan(hex(x.id), { lower, upper }));
    lower = hex(r.upperBound);
    return inside;
  });
}

/** Why `ranges` misdescribe `set`, if they do. */
function misdescribed(set: readonly SpecItem[], ranges: readonly ReconcileRange[]): string[] {
  const parts = split(set, ranges);
  const out: string[] = [];
  ranges.forEach((r, k) => {
    const own = parts[k] as SpecItem[];
    const where = `range ${k} (to ${hex(r.upperBound) || "the end"}, ${own.length} items)`;
    const p = r.payload;
    if (p.case === "fingerprint" && hex(p.value) !== hex(fingerprintOf(own)))
      out.push(
        `${where} carries fingerprint ${hex(p.value)}, its items sum to ${hex(fingerprintOf(own))}`,
      );
    if (p.case === "items") {
      const listed = p.value.seqs.map(
        (seq, i) => `${hex(p.value.ids.subarray(16 * i, 16 * i + 16))}:${seq}`,
      );
      const held = own.map((x) => `${hex(x.id)}:${x.seq}`);
      if (listed.join(",") !== held.join(","))
        out.push(`${where} lists ${listed.length} items, not its ${held.length}`);
    }
  });
  return out;
}

/** The sum of a whole-space request's claims: fingerprints plus listed items' hashes. */
function claimedTotal(ranges: readonly ReconcileRange[]): bigint {
  let sum = 0n;
  for (const r of ranges) {
    const p = r.payload;
    if (p.case === "fingerprint") sum += big(p.value);
    if (p.case === "items") {
      const items = p.value.seqs.map((seq, i) => ({
        id: p.value.ids.subarray(16 * i, 16 * i + 16),
        seq,
      }));
      sum += big(fingerprintOf(items));
    }
  }
  return sum % MOD;
}

export class InitiatorClaims {
  private readonly broken: string[] = [];
  /** The set each run describes, by `${initiator}>${responder}:${stream}`. */
  private readonly sets = new Map<string, SpecItem[]>();
  /** Requests judged (tests see coverage). */
  judged = 0;

  constructor(
    private readonly probeOf: (device: number) => ReplicaProbe | undefined,
    private readonly notJudged: (device: number) => boolean,
  ) {}

  /** The set the run `${initiator}>${responder}:${stream}` describes, if captured. */
  setOf(key: string): readonly SpecItem[] | undefined {
    return this.sets.get(key);
  }

  /** The network tap: every Reconcile request as it is sent. */
  observe(m: TapInfo, now: number): void {
    if (m.rpc !== "Reconcile" || m.part !== "req" || this.notJudged(m.from)) return;
    const req = m.message() as ReconcileRequest;
    const ranges = req.ranges;
    if (req.stream === undefined || ranges.length === 0) return;
    if (ranges.some((r) => r.payload.case === "symbolsRequest")) return;
    const key = `${m.from}>${m.to}:${idToHex(req.stream.origin)}/${req.stream.resource}`;
    if (ranges.every((r) => r.payload.case !== "skip")) this.capture(m.from, req, key);
    const set = this.sets.get(key);
    if (set === undefined) return;
    this.judged++;
    const wrong = misdescribed(set, ranges);
    if (wrong.length > 0)
      this.broken.push(
        `d${m.from} asking d${m.to} at ${Math.round(now)} ms (${set.length} items): ${wrong[0]}`,
      );
  }

  /** A whole-space request: its items now, kept only if its claims add up to them. */
  private capture(device: number, req: ReconcileRequest, key: string): void {
    this.sets.delete(key);
    const probe = this.probeOf(device);
    const stream = req.stream;
    if (probe === undefined || stream === undefined) return;
    const rows = probe.entries({ origin: idToHex(stream.origin), resource: stream.resource });
    if (rows instanceof Promise) return;
    // Ascending by id, as a listing is (§7.4).
    const items = rows
      .map((r) => ({ id: idFromHex(r.id), seq: r.seq }))
      .sort((a, b) => Buffer.compare(a.id, b.id));
    if (big(fingerprintOf(items)) === claimedTotal(req.ranges)) this.sets.set(key, items);
  }

  check(): PropertyFailure | undefined {
    const first = this.broken[0];
    if (first === undefined) return undefined;
    return {
      property: NAME,
      detail: `${this.broken.length} Reconcile request(s) misdescribe the initiator's items: ${first}`,
    };
  }
}
