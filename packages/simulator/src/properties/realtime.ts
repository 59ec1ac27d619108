// Realtime pushes as the wire shows them (PROTOCOL §8.1), judged for any
// implementation: every PushChanges an honest device sends is well formed
// (its own streams only [PC-1], within the request limits [PC-5], each
// batch consecutive from its prev_seq and a stream continuing exactly
// where its earlier batch ended [PC-6]); no change is pushed twice to the
// same peer (realtime is never resent: a lost push is recovered by a
// pull, §8.2); and an incarnation pushes each stream to a peer in commit
// order. A receiver that validates refuses a malformed push, and the pull
// that follows hides it: convergence alone never sees these.
import { idToHex, streamKeyString } from "@tidemark/engine";
import {
  MAX_BATCHES_PER_PUSH,
  MAX_CHANGES_PER_PUSH,
  type PushChangesRequest,
} from "@tidemark/protocol";
import { deviceIdOf } from "../ids.js";
import type { Delivered, TapInfo } from "../network/network.js";
import type { PropertyFailure } from "./property.js";

/** One push as sent: when, how many changes, and `${stream}#${seq}` of each. */
export type PushSent = {
  readonly t: number;
  readonly changes: number;
  readonly keys: readonly string[];
};

const WELL_FORMED = "push-well-formed";

/** What a pushed change is, whoever carries it: its row, seq and signature (a restored origin may reuse a seq). */
function changeId(c: PushChangesRequest["batches"][number]["changes"][number]): string {
  return `${idToHex(c.rowId)}@${c.seq}:${Buffer.from(c.signature.subarray(0, 8)).toString("hex")}`;
}

export class PushTracker {
  private failure: PropertyFailure | undefined;
  /** `${a}>${b}|${change}` of every change a pushed to b. */
  private readonly pushed = new Set<string>();
  /** `${a}:${gen}>${b}|${stream}` -> the last seq that incarnation pushed to b. */
  private readonly lastSeq = new Map<string, bigint>();
  /** `${a}>${b}|${row}@${seq}` of pushes a test fault sends (forgeries: not the device's own). */
  private readonly forged = new Set<string>();
  /** `${a}>${b}` -> pushes a sent b, in send order. */
  readonly sent = new Map<string, PushSent[]>();
  /** `${a}>${b}` -> when an answer to a push of a to b reached a. */
  readonly answered = new Map<string, number[]>();
  /** Device -> when it sent a Backfill or Reconcile request. */
  readonly repairsAsked = new Map<number, number[]>();

  constructor(
    /** Changes the configured flush size allows in one push (realtimeMaxBatch). */
    private readonly maxBatch: number,
    private readonly generationOf: (device: number) => number,
  ) {}

  /** A fault pushes this change from `from` to `to`: not the engine's traffic. */
  ignore(from: number, to: number, rowId: string, seq: bigint): void {
    this.forged.add(`${from}>${to}|${rowId}@${seq}`);
  }

  /** Every message sent (the network tap). */
  observe(m: TapInfo, now: number): void {
    if (m.part !== "req") return;
    if (m.rpc === "Backfill" || m.rpc === "Reconcile") push(this.repairsAsked, m.from, now);
    if (m.rpc !== "PushChanges") return;
    const req = m.message() as PushChangesRequest | undefined;
    if (req === undefined || this.isForged(m, req)) return;
    const keys: string[] = [];
    const problem = this.judge(m, req, keys);
    if (problem !== undefined && this.failure === undefined)
      this.failure = {
        property: problem.property,
        devices: [m.from, m.to],
        detail: `d${m.from}>d${m.to} push at ${Math.round(now)} ms: ${problem.detail}`,
      };
    push(this.sent, `${m.from}>${m.to}`, { t: now, changes: keys.length, keys });
  }

  /** Every message delivered: answers to pushes (a backlog may be released then). */
  delivered(m: Delivered, now: number): void {
    if (m.rpc === "PushChanges" && (m.part === "res" || m.part === "err"))
      push(this.answered, `${m.to}>${m.from}`, now);
  }

  /** The first push that broke a rule, if any. */
  check(): PropertyFailure | undefined {
    return this.failure;
  }

  private isForged(m: TapInfo, req: PushChangesRequest): boolean {
    return req.batches.some((b) =>
      b.changes.some((c) => this.forged.has(`${m.from}>${m.to}|${idToHex(c.rowId)}@${c.seq}`)),
    );
  }

  /** The request's problem, if any; fills `keys` with its changes' `${stream}#${seq}`. */
  private judge(
    m: TapInfo,
    req: PushChangesRequest,
    keys: string[],
  ): { property: string; detail: string } | undefined {
    const bad = (detail: string) => ({ property: WELL_FORMED, detail });
    const sender = deviceIdOf(m.from);
    if (idToHex(req.deviceId) !== sender) return bad("device_id is not the sender");
    const total = req.batches.reduce((n, b) => n + b.changes.length, 0);
    if (req.batches.length === 0 || total === 0) return bad("an empty push");
    if (req.batches.length > MAX_BATCHES_PER_PUSH)
      return bad(`${req.batches.length} batches > ${MAX_BATCHES_PER_PUSH} [PC-5]`);
    const most = Math.min(MAX_CHANGES_PER_PUSH, this.maxBatch);
    if (total > most) return bad(`${total} changes > ${most} (the configured flush size) [PC-5]`);
    const within = new Map<string, bigint>();
    for (const b of req.batches) {
      if (b.stream === undefined) return bad("a batch without a stream");
      const origin = idToHex(b.stream.origin);
      if (origin !== sender) return bad(`a batch of origin ${origin.slice(0, 8)} [PC-1]`);
      const stream = streamKeyString({ origin, resource: b.stream.resource });
      const problem = this.judgeBatch(m, stream, b, within, keys);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  private judgeBatch(
    m: TapInfo,
    stream: string,
    b: PushChangesRequest["batches"][number],
    within: Map<string, bigint>,
    keys: string[],
  ): { property: string; detail: string } | undefined {
    const bad = (property: string, detail: string) => ({
      property,
      detail: `${stream}: ${detail}`,
    });
    if (b.changes.length === 0) return bad(WELL_FORMED, "an empty batch");
    const before = within.get(stream);
    if (before !== undefined && b.prevSeq !== before)
      return bad(WELL_FORMED, `prev_seq ${b.prevSeq} does not continue ${before} [PC-6]`);
    let expected = (b.prevSeq ?? 0n) + 1n;
    for (const c of b.changes) {
      if (c.seq !== expected) return bad(WELL_FORMED, `seq ${c.seq}, expected ${expected} [PC-6]`);
      expected++;
      const id = `${m.from}>${m.to}|${changeId(c)}`;
      if (this.pushed.has(id)) return bad("push-once", `seq ${c.seq} pushed again`);
      this.pushed.add(id);
      keys.push(`${stream}#${c.seq}`);
    }
    within.set(stream, expected - 1n);
    const order = `${m.from}:${this.generationOf(m.from)}>${m.to}|${stream}`;
    const last = this.lastSeq.get(order);
    const first = (b.changes[0] as { seq: bigint }).seq;
    if (last !== undefined && first <= last)
      return bad("push-order", `seq ${first} pushed after seq ${last} (commit order)`);
    this.lastSeq.set(order, expected - 1n);
    return undefined;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, v: V): void {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  list.push(v);
}
