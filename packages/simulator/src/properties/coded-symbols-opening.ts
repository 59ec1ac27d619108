// coded-symbols-opening: between two peers that both announced
// `reconcile.riblt.v1`, the reference initiator opens a range of more than
// T items with one whole-space `symbols_request` (PROTOCOL.md §7.9.5), not
// with range rounds. Both ends run the same engine, so an initiator that
// forgets what its peer announced still converges (range rounds repair
// every difference): only the opening on the wire shows the coded symbols
// were never used. Judged:
// - a Reconcile request from a device whose own Hello to that peer and the
//   peer's delivered Hello answer both announced the tag;
// - opening a session: the pair's last session on that stream ended (an
//   empty answer) or there was none in the initiator's incarnation;
// - shaped as range rounds' opening over more than T items: two or more
//   fingerprint ranges, no skip, the last reaching the end of the id space.
// A fallback after symbols (§7.9.4) follows a symbols request and is not an
// opening. Not judged: a device lying or written through by the harness.
import { idToHex } from "@tidemark/engine";
import type { HelloRequest, HelloResponse, ReconcileRequest } from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";

const NAME = "coded-symbols-opening";
/** The capability tag of §7.9 (PROTOCOL.md §14). */
export const RIBLT = "reconcile.riblt.v1";

/** Range rounds' opening over more than T items (§7.5): fingerprints over the whole space. */
function opensWithRanges(req: ReconcileRequest): boolean {
  const { ranges } = req;
  const last = ranges[ranges.length - 1];
  return (
    ranges.length >= 2 &&
    last?.upperBound.length === 0 &&
    ranges.every((r) => r.payload.case === "fingerprint")
  );
}

function asksForSymbols(req: ReconcileRequest): boolean {
  return req.ranges.some((r) => r.payload.case === "symbolsRequest");
}

export class CodedSymbolsOpening {
  private readonly broken: string[] = [];
  /** `${i}@${generation}>${j}` -> i's last Hello to j announced the tag. */
  private readonly ownTag = new Map<string, boolean>();
  /** `${i}@${generation}>${j}` -> j's last Hello answer delivered to i announced it. */
  private readonly peerTag = new Map<string, boolean>();
  /** `${i}@${generation}>${j}:${stream}`: sessions in progress (begun, no empty answer yet). */
  private readonly sessions = new Set<string>();
  /** `${i}:${call}` -> the session key of a Reconcile request in flight. */
  private readonly calls = new Map<string, string>();
  /** Openings judged (tests see coverage). */
  judged = 0;

  constructor(
    private readonly generation: (device: number) => number,
    private readonly unjudged: (device: number) => boolean,
  ) {}

  private pair(from: number, to: number): string {
    return `${from}@${this.generation(from)}>${to}`;
  }

  /** The network tap: every message as it is sent. */
  observe(m: TapInfo, now: number): void {
    if (m.part !== "req") return;
    if (m.rpc === "Hello") {
      const req = m.message() as HelloRequest;
      this.ownTag.set(this.pair(m.from, m.to), req.capabilities.includes(RIBLT));
      return;
    }
    if (m.rpc !== "Reconcile") return;
    const req = m.message() as ReconcileRequest;
    if (req.stream === undefined || req.ranges.length === 0) return;
    const pair = this.pair(m.from, m.to);
    const key = `${pair}:${idToHex(req.stream.origin)}/${req.stream.resource}`;
    this.calls.set(`${m.from}:${m.call}`, key);
    const opening = !this.sessions.has(key);
    const symbols = asksForSymbols(req);
    this.sessions.add(key);
    if (!opening || this.unjudged(m.from)) return;
    if (this.ownTag.get(pair) !== true || this.peerTag.get(pair) !== true) return;
    this.judged++;
    if (symbols || !opensWithRanges(req)) return;
    this.broken.push(
      `d${m.from} opened a reconcile of stream ${idToHex(req.stream.origin).slice(0, 8)}/${req.stream.resource} with d${m.to} at ${Math.round(now)} ms with ${req.ranges.length} fingerprint ranges, though both announced ${RIBLT} (§7.9.5: one symbols_request)`,
    );
  }

  /** Every message delivered: Hello answers say what the peer announced; empty answers end a session. */
  delivered(m: Delivered): void {
    if (m.part !== "res") return;
    if (m.rpc === "Hello") {
      const res = m.message() as HelloResponse;
      this.peerTag.set(this.pair(m.to, m.from), res.capabilities.includes(RIBLT));
      return;
    }
    if (m.rpc !== "Reconcile") return;
    const key = this.calls.get(`${m.to}:${m.call}`);
    this.calls.delete(`${m.to}:${m.call}`);
    const res = m.message() as { readonly ranges: readonly unknown[] };
    if (key !== undefined && res.ranges.length === 0) this.sessions.delete(key);
  }

  check(): PropertyFailure | undefined {
    const first = this.broken[0];
    if (first === undefined) return undefined;
    return {
      property: NAME,
      detail: `${this.broken.length} reconcile(s) opened with range rounds between peers announcing coded symbols: ${first}`,
    };
  }
}
