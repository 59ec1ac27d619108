// Pushing local commits to connected peers in realtime batches, each
// StreamBatch naming its prev_seq. At most one push per realtimeFlushMs
// per peer (or at realtimeMaxBatch changes): a commit after a quiet window
// goes at once, later ones wait for the window (flushDelayMs). A peer that
// does not answer never blocks the others; its batches are dropped after a
// failure and recovered by its own pull.
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AckStatus,
  type Change,
  MAX_BATCHES_PER_PUSH,
  MAX_CHANGES_PER_PUSH,
  type PushChangesRequest,
  PushChangesRequestSchema,
  type StreamBatch,
  StreamBatchSchema,
  validatePushChangesResponse,
} from "@tidemark/protocol";
import type { TimerHandle } from "../ports.js";
import type { CommittedBatch, StreamKey } from "../store/store-api.js";
import { checkResponse } from "./check-response.js";
import { errorText, type SyncContext } from "./context.js";
import { streamIdFromKey, streamKeyFromId, streamKeyString } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";

type Queue = {
  batches: CommittedBatch[];
  count: number;
  timer: TimerHandle | undefined;
  release: (() => void) | undefined;
  /** Monotonic time of the last flush that sent something (undefined: never). */
  lastSentAt: number | undefined;
};

/**
 * How long a first queued change waits before its flush: none after a
 * quiet window (a lone commit is not held for batching), else until
 * `windowMs` after the last send, so pushes to a peer stay at most one
 * per window and a burst is batched.
 */
export function flushDelayMs(
  lastSentAt: number | undefined,
  now: number,
  windowMs: number,
): number {
  if (lastSentAt === undefined) return 0;
  return Math.max(0, Math.min(windowMs, lastSentAt + windowMs - now));
}

/** Realtime requests in flight per peer; more wait in the backlog. */
export const MAX_PUSHES_IN_FLIGHT = 4;

/**
 * A backlog still waiting this long behind unanswered pushes (lost, or a
 * stalled peer; they only fail at requestTimeoutMs) starts an exchange, so
 * the peer learns our heads and pulls instead of waiting for them.
 */
export const STALLED_PUSH_EXCHANGE_MS = 1_000;

type Flow = {
  inFlight: number;
  backlog: { batches: StreamBatch[]; release: () => void }[];
  backlogChanges: number;
  stallTimer: TimerHandle | undefined;
};

export class Outbox {
  private readonly queues = new Map<string, Queue>();
  private readonly flows = new Map<string, Flow>();

  constructor(private readonly ctx: SyncContext) {}

  /** Queues committed batches for every connected peer. */
  enqueue(peers: Iterable<PeerSync>, batches: readonly CommittedBatch[]): void {
    if (batches.length === 0) return;
    const n = batches.reduce((s, b) => s + b.changes.length, 0);
    for (const peer of peers) {
      if (!peer.connected || peer.state === "failed") continue;
      const q = this.queue(peer.peer);
      q.batches.push(...batches);
      q.count += n;
      this.publish(peer.peer, q.count);
      if (q.count >= this.ctx.config.realtimeMaxBatch) this.flush(peer);
      else if (q.timer === undefined) {
        q.release ??= this.ctx.work.hold();
        const { ports, config } = this.ctx;
        const delay = flushDelayMs(q.lastSentAt, ports.clock.monotonic(), config.realtimeFlushMs);
        // Even at 0 the flush waits for a timer turn: commits made in the
        // same turn (a scan's batches) share one push.
        q.timer = ports.timers.set(delay, () => {
          q.timer = undefined;
          this.flush(peer);
        });
      }
    }
  }

  /** Sends everything queued for `peer` now. */
  flush(peer: PeerSync): void {
    const { ctx } = this;
    const q = this.queues.get(peer.peer);
    if (q === undefined) return;
    if (q.timer !== undefined) ctx.ports.timers.cancel(q.timer);
    q.timer = undefined;
    const batches = q.batches;
    q.batches = [];
    q.count = 0;
    this.publish(peer.peer, 0);
    const release = q.release;
    q.release = undefined;
    if (batches.length > 0 && !ctx.closed && peer.connected) {
      q.lastSentAt = ctx.ports.clock.monotonic();
      const key = ctx.store.originKey(ctx.deviceId);
      for (const request of chunk(merge(batches, key), ctx.config.realtimeMaxBatch))
        this.send(peer, request);
    }
    release?.();
  }

  flushAll(peers: Iterable<PeerSync>): void {
    for (const p of peers) this.flush(p);
  }

  close(): void {
    for (const f of this.flows.values()) {
      if (f.stallTimer !== undefined) this.ctx.ports.timers.cancel(f.stallTimer);
      f.stallTimer = undefined;
      for (const item of f.backlog) item.release();
      f.backlog = [];
      f.backlogChanges = 0;
    }
    for (const q of this.queues.values()) {
      if (q.timer !== undefined) this.ctx.ports.timers.cancel(q.timer);
      q.timer = undefined;
      q.release?.();
      q.release = undefined;
      q.batches = [];
    }
  }

  /**
   * Sends one request, at most MAX_PUSHES_IN_FLIGHT per peer; the rest
   * wait in a bounded backlog. A backlog past pendingBufferMax changes is
   * dropped and replaced by an exchange: the peer then pulls what it lacks
   * (realtime is an optimisation, never the only path).
   */
  private send(peer: PeerSync, batches: StreamBatch[]): void {
    const flow = this.flow(peer.peer);
    if (flow.inFlight < MAX_PUSHES_IN_FLIGHT) {
      this.dispatch(peer, batches);
      return;
    }
    const n = batches.reduce((sum, b) => sum + b.changes.length, 0);
    if (flow.backlogChanges + n > this.ctx.config.pendingBufferMax) {
      this.dropBacklog(peer, n);
      return;
    }
    flow.backlog.push({ batches, release: this.ctx.work.hold() });
    flow.backlogChanges += n;
    this.watchStall(peer, flow);
  }

  /** Once per STALLED_PUSH_EXCHANGE_MS while a backlog waits: an exchange with the peer. */
  private watchStall(peer: PeerSync, flow: Flow): void {
    const { ctx } = this;
    if (flow.stallTimer !== undefined) return;
    flow.stallTimer = ctx.ports.timers.set(STALLED_PUSH_EXCHANGE_MS, () => {
      flow.stallTimer = undefined;
      if (flow.backlog.length === 0 || ctx.closed) return;
      ctx.metrics.inc("tidemark_realtime_stalls_total", { peer: peer.peer });
      ctx.log(
        "warn",
        { event: "push-stalled", peer: peer.peer, state: peer.state, changes: flow.backlogChanges },
        "realtime pushes wait behind unanswered ones: exchanging so the peer pulls",
      );
      peer.exchange("push-stalled");
    });
  }

  private dropBacklog(peer: PeerSync, extra: number): void {
    const flow = this.flow(peer.peer);
    const dropped = flow.backlogChanges + extra;
    for (const item of flow.backlog) item.release();
    flow.backlog = [];
    flow.backlogChanges = 0;
    this.ctx.metrics.inc("tidemark_realtime_dropped_total", { peer: peer.peer }, dropped);
    this.ctx.log(
      "warn",
      { event: "push-backlog-dropped", peer: peer.peer, state: peer.state, changes: dropped },
      "realtime backlog too large: dropped, the peer will pull instead",
    );
    peer.exchange("push-backlog-dropped");
  }

  private dispatch(peer: PeerSync, batches: StreamBatch[]): void {
    const { ctx } = this;
    const flow = this.flow(peer.peer);
    flow.inFlight++;
    const req = create(PushChangesRequestSchema, {
      libraryId: ctx.libraryIdBytes,
      deviceId: ctx.deviceIdBytes,
      batches,
    });
    const bytes = toBinary(PushChangesRequestSchema, req).length;
    ctx.metrics.inc("tidemark_push_batches_total", { peer: peer.peer }, batches.length);
    ctx.metrics.inc("tidemark_bytes_out_total", { peer: peer.peer }, bytes);
    for (const b of batches) {
      ctx.metrics.inc(
        "tidemark_records_out_total",
        { peer: peer.peer, stream: streamKeyString(streamKeyFromId(b.stream)) },
        b.changes.length,
      );
    }
    const next = () => {
      flow.inFlight--;
      for (;;) {
        const item = flow.backlog.shift();
        if (item === undefined) return;
        flow.backlogChanges -= item.batches.reduce((sum, b) => sum + b.changes.length, 0);
        const rest = unheld(peer, item.batches);
        const sent = rest.length > 0 && !ctx.closed && peer.connected;
        if (sent) this.dispatch(peer, rest);
        item.release();
        if (sent) return;
      }
    };
    ctx.work.spawn(
      async () => {
        try {
          await this.push(peer, req);
        } catch (err) {
          // Noted before the backlog moves on: an UNKNOWN_PEER answer must
          // stand before the next push asks whether it owes a Hello (ER-5).
          this.failed(peer, err);
        } finally {
          next();
        }
      },
      (err) => this.failed(peer, err),
    );
  }

  /** One PushChanges call, its acks noted (after a Hello the peer is owed, ER-5). */
  private async push(peer: PeerSync, req: PushChangesRequest): Promise<void> {
    const { ctx } = this;
    if (peer.owesHello) await peer.helloAgain();
    const deadline = peer.deadline("push");
    try {
      const res = checkResponse(
        ctx,
        peer,
        "push",
        validatePushChangesResponse(
          await peer.client().pushChanges(req, { signal: deadline.signal }),
          { request: req },
        ),
      );
      let healthy = true;
      for (const ack of res.acks) {
        if (ack.status !== AckStatus.APPLIED) healthy = false;
        if (ack.cursor !== undefined)
          peer.noteCursorAtLeast(streamKeyString(streamKeyFromId(ack.stream)), ack.cursor);
      }
      if (healthy) peer.markRealtimeActivity();
    } finally {
      peer.release(deadline);
    }
  }

  private failed(peer: PeerSync, err: unknown): void {
    this.ctx.log(
      "warn",
      { event: "push-failed", peer: peer.peer, state: peer.state, error: errorText(err) },
      "realtime push failed",
    );
    peer.fail(err, "push");
  }

  private flow(peer: string): Flow {
    let f = this.flows.get(peer);
    if (f === undefined) {
      f = { inFlight: 0, backlog: [], backlogChanges: 0, stallTimer: undefined };
      this.flows.set(peer, f);
    }
    return f;
  }

  private queue(peer: string): Queue {
    let q = this.queues.get(peer);
    if (q === undefined) {
      q = { batches: [], count: 0, timer: undefined, release: undefined, lastSentAt: undefined };
      this.queues.set(peer, q);
    }
    return q;
  }

  private publish(peer: string, count: number): void {
    this.ctx.metrics.set("tidemark_outbound_queue_changes", { peer }, count);
  }
}

/**
 * The batches a peer may still lack: a backlog waits behind unanswered
 * pushes while the stall exchange lets the peer pull, so whole batches at
 * or below its cursor (as last heard) would only be sent twice.
 */
function unheld(peer: PeerSync, batches: readonly StreamBatch[]): StreamBatch[] {
  return batches.filter((b) => {
    const last = b.changes.at(-1)?.seq;
    const cursor = peer.remote.get(streamKeyString(streamKeyFromId(b.stream)))?.cursor;
    return last === undefined || cursor === undefined || last > cursor;
  });
}

/**
 * Merges consecutive committed batches of the same stream (commit order
 * kept); each carries `originKey`, this device's public key (§16 SG-3).
 */
export function merge(
  batches: readonly CommittedBatch[],
  originKey: Uint8Array = new Uint8Array(0),
): StreamBatch[] {
  const out: { stream: StreamKey; prevSeq: bigint | undefined; changes: Change[] }[] = [];
  const lastOf = new Map<
    string,
    { stream: StreamKey; prevSeq: bigint | undefined; changes: Change[] }
  >();
  for (const b of batches) {
    const key = streamKeyString(b.stream);
    const open = lastOf.get(key);
    const openLast = open?.changes[open.changes.length - 1];
    if (open !== undefined && openLast !== undefined && b.prevSeq === openLast.seq) {
      open.changes.push(...b.changes);
      continue;
    }
    const fresh = { stream: b.stream, prevSeq: b.prevSeq, changes: [...b.changes] };
    out.push(fresh);
    lastOf.set(key, fresh);
  }
  return out.map((b) =>
    create(StreamBatchSchema, {
      stream: streamIdFromKey(b.stream),
      prevSeq: b.prevSeq,
      changes: b.changes,
      originKey,
    }),
  );
}

/**
 * Splits stream batches into requests of at most `max` changes and
 * `maxBatches` batches each; a split batch keeps its chain (each piece's
 * prev_seq is the seq just before it).
 */
export function chunk(
  batches: readonly StreamBatch[],
  max: number,
  maxBatches = MAX_BATCHES_PER_PUSH,
): StreamBatch[][] {
  const limit = Math.max(1, Math.min(max, MAX_CHANGES_PER_PUSH));
  const requests: StreamBatch[][] = [];
  let current: StreamBatch[] = [];
  let room = limit;
  for (const b of batches) {
    let prevSeq = b.prevSeq;
    let rest = b.changes;
    while (rest.length > 0) {
      if (room === 0 || current.length >= maxBatches) {
        requests.push(current);
        current = [];
        room = limit;
      }
      const piece = rest.slice(0, room);
      rest = rest.slice(room);
      current.push(
        create(StreamBatchSchema, {
          stream: b.stream,
          prevSeq,
          changes: piece,
          originKey: b.originKey,
        }),
      );
      room -= piece.length;
      prevSeq = (piece[piece.length - 1] as Change).seq;
    }
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
