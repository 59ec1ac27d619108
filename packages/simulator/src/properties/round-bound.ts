// round-bound-kept: against a responder whose range-round answers are each
// valid but never settle anything (the lie endless-reconcile), an
// initiator must stop every attempt at the round bound PROTOCOL.md §7.5
// "Termination" states for it, count the attempt against that peer where
// an operator looks (tidemark_invalid_responses_total{rpc="reconcile"},
// the engine README's "more rounds than an honest peer can need"), and try
// again only after a backoff that grows (§10 ER-3's floor: 500 ms × 2^(k−1)
// before the k-th repeat, at most 30 s), never in a tight loop.
//
// The bound is the reference's cap of one attempt,
//   2(⌈log_B n⌉ + 2) + 4⌈n·140/frameLimit⌉ + 4⌈n(B + 2)/rangeLimit⌉ + 8,
// with n = the initiator's items + the responder's cursor when the attempt
// starts (read through the probe as its first request goes out: a replica
// whose probe answers later is not judged), B = 8, a 1 MiB frame limit and
// MAX_RANGES_PER_MESSAGE. Fewer rounds give up on what an honest peer may
// still need (RC-11); more let a peer that makes no progress hold a
// connection without end. Rounds of one attempt follow each other at once;
// a request later than ATTEMPT_GAP_MS after the last answer starts the next.
import { idToHex, streamKeyString } from "@tidemark/engine";
import {
  MAX_RANGES_PER_MESSAGE,
  type ReconcileRequest,
  refusedRetryFloorMs,
} from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { SimNode } from "../node.js";
import type { StreamRef } from "../probe/types.js";
import { addTo, firstShortfall, type Tally, tallyKey } from "./counted.js";
import { INVALID_RESPONSES } from "./invalid-answers.js";
import type { PropertyFailure } from "./property.js";

const NAME = "round-bound-kept";
/** Reference parameters of §7.5: branching, frame limit (bytes of ranges). */
const B = 8;
const FRAME_LIMIT = 1024 * 1024;
/** Worst bytes one item costs over a run, both directions (§7.5). */
const WORST_BYTES_PER_ITEM = 140;
/** Longest pause between an answer and the next round of the same attempt. */
const ATTEMPT_GAP_MS = 5;

/** ⌈log_B n⌉ in integers (no rounding at exact powers). */
function ceilLog(n: number): number {
  let k = 0;
  for (let p = 1; p < n; p *= B) k++;
  return k;
}

/** The rounds §7.5 allows one attempt, for n = own items + the responder's cursor. */
export function roundBound(n: number): number {
  return (
    2 * (ceilLog(n) + 2) +
    4 * Math.ceil((n * WORST_BYTES_PER_ITEM) / FRAME_LIMIT) +
    4 * Math.ceil((n * (B + 2)) / MAX_RANGES_PER_MESSAGE) +
    8
  );
}

type Attempt = {
  readonly from: number;
  readonly generation: number;
  readonly to: number;
  readonly stream: string;
  /** Undefined when the probe could not be read as the attempt began. */
  readonly n: number | undefined;
  readonly startedAt: number;
  rounds: number;
  /** When the last round's answer arrived (undefined: not answered yet). */
  answeredAt: number | undefined;
  /** Went on after the responder stopped lying: not judged. */
  cut: boolean;
};

export class RoundBoundTracker {
  /** The open attempt of each initiator, responder and stream. */
  private readonly open = new Map<string, Attempt>();
  private readonly attempts: Attempt[] = [];
  private readonly calls = new Map<number, Attempt>();

  /**
   * `endless(i)`: device i's answers never settle anything; `node(i)`,
   * device i (its incarnation and probe).
   */
  constructor(
    private readonly endless: (device: number) => boolean,
    private readonly node: (device: number) => SimNode,
  ) {}

  /** The network tap: a round request to such a responder. */
  observe(m: TapInfo, now: number): void {
    if (m.rpc !== "Reconcile" || m.part !== "req") return;
    const req = m.message() as ReconcileRequest;
    if (req.stream === undefined || req.ranges.length === 0) return;
    const stream = { origin: idToHex(req.stream.origin), resource: req.stream.resource };
    const key = `${m.from}>${m.to}:${streamKeyString(stream)}`;
    let a = this.open.get(key);
    if (!this.endless(m.to)) {
      // The lie ended (at heal) mid-attempt: that attempt is not judged.
      if (a !== undefined) a.cut = true;
      this.open.delete(key);
      return;
    }
    const from = this.node(m.from);
    const goesOn =
      a !== undefined &&
      a.generation === from.generation &&
      a.answeredAt !== undefined &&
      now - a.answeredAt <= ATTEMPT_GAP_MS;
    if (a === undefined || !goesOn) {
      a = {
        from: m.from,
        generation: from.generation,
        to: m.to,
        stream: key,
        n: itemsAndCursor(from, this.node(m.to), stream),
        startedAt: now,
        rounds: 0,
        answeredAt: undefined,
        cut: false,
      };
      this.open.set(key, a);
      this.attempts.push(a);
    }
    a.rounds++;
    a.answeredAt = undefined;
    this.calls.set(m.call, a);
  }

  /** Every message delivered: the answer of a round. */
  delivered(m: Delivered, now: number): void {
    if (m.rpc !== "Reconcile" || m.part !== "res") return;
    const a = this.calls.get(m.call);
    this.calls.delete(m.call);
    if (a !== undefined) a.answeredAt = now;
  }

  /** Judged at rest, over the whole run. */
  async check(nodes: readonly SimNode[]): Promise<PropertyFailure | undefined> {
    const capped: Tally = new Map();
    const byPair = new Map<string, Attempt[]>();
    for (const a of this.attempts) {
      const list = byPair.get(`${a.stream}#${a.generation}`) ?? [];
      list.push(a);
      byPair.set(`${a.stream}#${a.generation}`, list);
    }
    for (const list of byPair.values()) {
      for (const [k, a] of list.entries()) {
        const next = list[k + 1];
        // Judged once its last round was answered and nothing followed at once.
        if (a.answeredAt === undefined || a.n === undefined || a.cut) continue;
        const bound = roundBound(a.n);
        if (a.rounds !== bound)
          return fail(
            a,
            `an attempt took ${a.rounds} rounds, the bound for n = ${a.n} is ${bound}`,
          );
        addTo(capped, tallyKey(a.from, a.generation, a.to));
        const floor = refusedRetryFloorMs(k + 1);
        if (next !== undefined && next.startedAt - a.answeredAt < floor)
          return fail(
            a,
            `attempt ${k + 2} began ${Math.round(next.startedAt - a.answeredAt)} ms after attempt ${k + 1} gave up (at least ${floor} ms: a growing backoff)`,
          );
      }
    }
    for (const n of nodes) {
      const short = await firstShortfall(
        n,
        capped,
        INVALID_RESPONSES,
        (l) => l.rpc === "reconcile",
      );
      if (short === undefined) continue;
      return {
        property: NAME,
        devices: [n.index, short.peer],
        detail: `d${n.index} gave up ${short.want} Reconcile attempts with d${short.peer} at the round bound, but its ${INVALID_RESPONSES}{rpc="reconcile"} for that peer says ${short.seen}`,
      };
    }
    return undefined;
  }

  /** Attempts seen (for tests). */
  get seen(): readonly Attempt[] {
    return this.attempts;
  }
}

function fail(a: Attempt, why: string): PropertyFailure {
  return {
    property: NAME,
    devices: [a.from, a.to],
    detail: `d${a.from} reconciling ${a.stream.slice(a.stream.indexOf(":") + 1)} with d${a.to}, whose answers never settle anything: ${why}`,
  };
}

/** n as the attempt starts: the initiator's items plus the responder's cursor (sync probes only). */
function itemsAndCursor(from: SimNode, to: SimNode, stream: StreamRef): number | undefined {
  const entries = from.replica?.probe.entries(stream);
  const marks = to.replica?.probe.watermarks();
  if (entries === undefined || marks === undefined) return undefined;
  if (entries instanceof Promise || marks instanceof Promise) return undefined;
  const key = streamKeyString(stream);
  const cursor = marks.find((w) => streamKeyString(w.stream) === key)?.cursor;
  return entries.length + Number(cursor ?? 0n);
}
