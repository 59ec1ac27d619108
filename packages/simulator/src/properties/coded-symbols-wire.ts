// coded-symbols-on-the-wire: the engine's own coded-symbol exchanges
// during a run, judged against the simulator's spec model (src/spec) at
// the instant each message is sent, over the sender's items read through
// the probe then. Only when the probe answers at once and the message's
// own fingerprint is the sum of those items (so they are the set the
// message was made from; otherwise the message is not judged):
// - every `symbols` answer is the model's symbols of the responder's
//   items (RC-24);
// - every `symbols_request` carrying probes carries the model's probes of
//   the initiator's items (§7.9.3);
// - cost: an initiator never asks for more symbols of a range, nor falls
//   back to range rounds, once the symbols it already received from that
//   responder (one set: one fingerprint) decode the difference against its
//   own items, peeled and checked as RC-26 says (§7.9.4: decoding
//   succeeds there).
// Both ends run the same engine, so a wrong symbol or probe agrees with
// itself, and a decoder that fails falls back to range rounds and
// converges: only the text sees them. The same sessions are judged for
// what they cost against what decoding needed (coded-symbols-cost).
import { fingerprintOf, idFromHex, idToHex } from "@tidemark/engine";
import type {
  CodedSymbols,
  CodedSymbolsRequest,
  ReconcileRequest,
  ReconcileResponse,
} from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { ReplicaProbe } from "../probe/probe.js";
import {
  type SpecItem,
  type SpecSymbol,
  specProbes,
  specSymbols,
  symbolText,
} from "../spec/coded-symbols.js";
import { specDecode } from "../spec/peeling.js";
import { gaveUpEarly, overAsked } from "./coded-symbols-cost.js";
import type { PropertyFailure } from "./property.js";

const NAME = "coded-symbols-on-the-wire";
const COST = "coded-symbols-cost";

/** The symbols one initiator has received in one exchange with one responder. */
type Session = { own: string; theirs: string | undefined; symbols: SpecSymbol[] };

/** A symbols request in flight: its session and the initiator's items when sent (if read). */
type Asked = { req: ReconcileRequest; key: string; items: SpecItem[] | undefined };

/** Symbol k of a `symbols` payload as the model's. */
function specSymbolOf(s: CodedSymbols, k: number): SpecSymbol {
  const sums = s.sums.subarray(24 * k, 24 * k + 24);
  return {
    count: Number(s.counts[k]),
    ids: new Uint8Array(sums.subarray(0, 16)),
    checksum: Buffer.from(sums).readBigUInt64BE(16),
    seq: s.seqSums[k] as bigint,
  };
}

/** The one whole-space symbols_request of a Reconcile request, if that is what it is. */
function symbolsRequestOf(req: ReconcileRequest): CodedSymbolsRequest | undefined {
  const only = req.ranges[0];
  if (req.ranges.length !== 1 || only?.upperBound.length !== 0) return undefined;
  return only.payload.case === "symbolsRequest" ? only.payload.value : undefined;
}

function symbolsOf(res: ReconcileResponse): CodedSymbols | undefined {
  const only = res.ranges[0];
  if (res.ranges.length !== 1 || only?.upperBound.length !== 0) return undefined;
  return only.payload.case === "symbols" ? only.payload.value : undefined;
}

export class CodedSymbolsWire {
  private readonly broken: string[] = [];
  /** Exchanges that cost more than decoding needed (coded-symbols-cost). */
  private readonly costly: string[] = [];
  /** Sessions by `${initiator}>${responder}:${stream}`. */
  private readonly sessions = new Map<string, Session>();
  /** Symbols requests in flight, by `${initiator}:${call}`. */
  private readonly asked = new Map<string, Asked>();
  /** Messages judged (tests see coverage). */
  judged = 0;

  /**
   * `probeOf(i)`: device i's probe while it runs; `lying(i)`: device i
   * answers as a liar now (not judged).
   */
  constructor(
    private readonly probeOf: (device: number) => ReplicaProbe | undefined,
    private readonly lying: (device: number) => boolean,
  ) {}

  /** Items of `stream` at `device` now, when its probe answers at once and they sum to `fp`. */
  private itemsNow(device: number, req: ReconcileRequest, fp: Uint8Array): SpecItem[] | undefined {
    const stream = req.stream;
    const probe = this.probeOf(device);
    if (stream === undefined || probe === undefined) return undefined;
    const rows = probe.entries({ origin: idToHex(stream.origin), resource: stream.resource });
    if (rows instanceof Promise) return undefined;
    const items = rows.map((r) => ({ id: idFromHex(r.id), seq: r.seq }));
    return idToHex(fingerprintOf(items)) === idToHex(fp) ? items : undefined;
  }

  /** The network tap: every message as it is sent. */
  observe(m: TapInfo, now: number): void {
    if (m.rpc !== "Reconcile") return;
    if (m.part === "req") this.request(m, m.message() as ReconcileRequest, now);
    // The answer's request is recorded by call; its stream is the request's.
    if (m.part === "res") this.answer(m, m.message() as ReconcileResponse, now);
  }

  private request(m: TapInfo, req: ReconcileRequest, now: number): void {
    const q = symbolsRequestOf(req);
    if (this.lying(m.from) || req.stream === undefined || req.ranges.length === 0) return;
    const key = `${m.from}>${m.to}:${idToHex(req.stream.origin)}/${req.stream.resource}`;
    if (q === undefined) {
      this.fellBack(m, req, key, now);
      return;
    }
    const own = idToHex(q.fingerprint);
    const prior = this.sessions.get(key);
    if (q.start === 0n || prior?.own !== own)
      this.sessions.set(key, { own, theirs: undefined, symbols: [] });
    const items = this.itemsNow(m.from, req, q.fingerprint);
    this.asked.set(`${m.from}:${m.call}`, { req, key, items });
    if (items === undefined) return;
    this.judged++;
    const at = `d${m.from} asking d${m.to} at ${Math.round(now)} ms (${items.length} items)`;
    if (q.probes.length > 0 && idToHex(q.probes) !== idToHex(specProbes(items)))
      this.broken.push(`${at}: its probes are not the spec's of its items (§7.9.3)`);
    const session = this.sessions.get(key);
    if (q.start === 0n || session === undefined || session.theirs === undefined) return;
    if (BigInt(session.symbols.length) !== q.start) return;
    const d = specDecode(session.symbols, items, Buffer.from(session.theirs, "hex"));
    if (d !== undefined)
      this.broken.push(
        `${at}: asked for symbols from ${q.start} though the ${session.symbols.length} received decode the difference (${d.theirs.length} only theirs, ${d.ours.length} only its own; §7.9.4)`,
      );
  }

  /** Range rounds right after symbols: a fallback, wasted when those symbols decode. */
  private fellBack(m: TapInfo, req: ReconcileRequest, key: string, now: number): void {
    const session = this.sessions.get(key);
    this.sessions.delete(key);
    if (session?.theirs === undefined) return;
    const items = this.itemsNow(m.from, req, Buffer.from(session.own, "hex"));
    if (items === undefined) return;
    const at = `d${m.from} asking d${m.to} at ${Math.round(now)} ms (${items.length} items)`;
    const d = specDecode(session.symbols, items, Buffer.from(session.theirs, "hex"));
    if (d !== undefined)
      this.broken.push(
        `${at}: fell back to range rounds though the ${session.symbols.length} symbols received decode the difference (${d.theirs.length} only theirs, ${d.ours.length} only its own; §7.9.4)`,
      );
    const early = gaveUpEarly(session.symbols.length, items.length, session.symbols[0]?.count ?? 0);
    if (d === undefined && early !== undefined) this.costly.push(`${at}: ${early}`);
  }

  private answer(m: TapInfo, res: ReconcileResponse, now: number): void {
    const asked = this.asked.get(`${m.to}:${m.call}`);
    const s = symbolsOf(res);
    if (asked === undefined || s === undefined || this.lying(m.from)) return;
    const items = this.itemsNow(m.from, asked.req, s.fingerprint);
    if (items === undefined) return;
    this.judged++;
    const want = specSymbols(items, Number(s.start), s.counts.length).map(symbolText);
    const k = want.findIndex((w, i) => w !== symbolText(specSymbolOf(s, i)));
    if (k >= 0)
      this.broken.push(
        `d${m.from} answering d${m.to} at ${Math.round(now)} ms: symbol ${Number(s.start) + k} is [${symbolText(specSymbolOf(s, k))}], the spec's over its ${items.length} items is [${want[k]}] (RC-24)`,
      );
    this.judgeAsked(asked, s, items, `d${m.to} asking d${m.from} at ${Math.round(now)} ms`);
  }

  /**
   * The symbols asked for in all, once this answer is known, against what
   * decoding needed: only within one session whose every symbol came from
   * this responder set, both sides' items read.
   */
  private judgeAsked(asked: Asked, s: CodedSymbols, theirs: SpecItem[], at: string): void {
    const session = this.sessions.get(asked.key);
    const q = symbolsRequestOf(asked.req);
    if (q === undefined || asked.items === undefined || session?.own !== idToHex(q.fingerprint))
      return;
    const fits = BigInt(session.symbols.length) === q.start;
    if (!fits || (session.theirs ?? idToHex(s.fingerprint)) !== idToHex(s.fingerprint)) return;
    const total = Number(q.start) + (q.count > 0 ? q.count : s.counts.length);
    const over = overAsked(total, theirs, asked.items);
    if (over !== undefined) this.costly.push(`${at} (${asked.items.length} items): ${over}`);
  }

  /** Every message delivered: answers extend their initiator's session. */
  delivered(m: Delivered): void {
    if (m.rpc !== "Reconcile" || m.part !== "res") return;
    const key = this.asked.get(`${m.to}:${m.call}`)?.key;
    this.asked.delete(`${m.to}:${m.call}`);
    const session = key === undefined ? undefined : this.sessions.get(key);
    const s = symbolsOf(m.message() as ReconcileResponse);
    if (key === undefined || session === undefined || s === undefined) return;
    const theirs = idToHex(s.fingerprint);
    const fits =
      BigInt(session.symbols.length) === s.start && (session.theirs ?? theirs) === theirs;
    if (!fits || this.lying(m.from)) {
      this.sessions.delete(key);
      return;
    }
    session.theirs = theirs;
    for (let k = 0; k < s.counts.length; k++) session.symbols.push(specSymbolOf(s, k));
  }

  check(): PropertyFailure | undefined {
    const first = this.broken[0];
    if (first === undefined) return undefined;
    return {
      property: NAME,
      detail: `${this.broken.length} coded-symbol message(s) off the spec: ${first}`,
    };
  }

  /** coded-symbols-cost: see properties/coded-symbols-cost.ts. */
  checkCost(): PropertyFailure | undefined {
    const first = this.costly[0];
    if (first === undefined) return undefined;
    return {
      property: COST,
      detail: `${this.costly.length} coded-symbol exchange(s) cost more than decoding needed: ${first}`,
    };
  }
}
