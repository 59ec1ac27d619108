// Receiving realtime batches: apply the contiguous ones, hold the rest in a
// bounded per-stream buffer and pull the gap (DESIGN §1 B7). Duplicates are
// no-ops (the store's chain apply skips what it already holds).
import { create } from "@bufbuild/protobuf";
import type { Change } from "@tidemark/protocol";
import { AckStatus, type StreamAck, StreamAckSchema, type StreamBatch } from "@tidemark/protocol";
import type { StreamKey } from "../store/store-api.js";
import { type SyncContext, seqField } from "./context.js";
import { streamIdFromKey, streamKeyFromId, streamKeyString } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";
import type { Recovery } from "./recovery.js";

type Held = { readonly prevSeq: bigint | undefined; readonly changes: readonly Change[] };
type Pending = { readonly stream: StreamKey; batches: Held[]; count: number };

export class Inbox {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly ctx: SyncContext,
    private readonly recovery: Recovery,
  ) {}

  /** Changes held across all streams. */
  get heldChanges(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.count;
    return n;
  }

  /** Handles one PushChanges request from `from` (may be undefined if unknown). */
  receive(from: PeerSync | undefined, batches: readonly StreamBatch[]): StreamAck[] {
    const acks: StreamAck[] = [];
    const gaps = new Set<string>();
    let healthy = true;
    for (const batch of batches) {
      const stream = streamKeyFromId(batch.stream);
      const key = streamKeyString(stream);
      const status = this.receiveBatch(from, stream, key, batch);
      if (status !== AckStatus.APPLIED) {
        healthy = false;
        gaps.add(key);
      }
      acks.push(
        create(StreamAckSchema, {
          stream: streamIdFromKey(stream),
          status,
          cursor: this.ctx.store.streamState(stream)?.cursor,
        }),
      );
    }
    if (from !== undefined && healthy) from.markRealtimeActivity();
    if (gaps.size > 0) {
      // A gap says only that this stream moved; the streams its rows
      // reference (a new location) may have moved too. An exchange with
      // the pusher decides them all at once, so parents come first in the
      // same Backfill instead of entries overflowing the dependency buffer.
      if (from?.usable) from.exchange("realtime-gap");
      else this.recovery.reevaluate(gaps, "realtime-gap");
    }
    return acks;
  }

  private receiveBatch(
    from: PeerSync | undefined,
    stream: StreamKey,
    key: string,
    batch: StreamBatch,
  ): AckStatus {
    const { ctx } = this;
    if (batch.changes.length === 0) return AckStatus.APPLIED;
    const last = batch.changes[batch.changes.length - 1] as Change;
    // The origin holds at least what it pushes: lets the gap pull choose it.
    from?.noteCursorAtLeast(key, last.seq);
    const st = ctx.store.streamState(stream);
    if (this.recovery.isBusy(key) || st?.pulling) {
      return this.hold(stream, key, batch, AckStatus.HELD);
    }
    const outcome = ctx.store.apply(stream, batch.changes, {
      mode: "chain",
      prevSeq: batch.prevSeq,
    });
    if (outcome.kind === "applied") {
      ctx.metrics.inc(
        "tidemark_records_in_total",
        { peer: from?.peer ?? "unknown", stream: key },
        outcome.appliedCount,
      );
      if (outcome.appliedCount > 0) this.recovery.holds.clear(key);
      this.drain(stream);
      return AckStatus.APPLIED;
    }
    if (outcome.kind === "gap") {
      ctx.metrics.inc("tidemark_gap_events_total", { stream: key });
      ctx.log(
        "warn",
        {
          event: "realtime-gap",
          peer: from?.peer ?? null,
          stream: key,
          cursor: seqField(outcome.cursor),
          prevSeq: seqField(batch.prevSeq),
        },
        "realtime batch after a gap: holding it and pulling the gap",
      );
      return this.hold(stream, key, batch, AckStatus.GAP);
    }
    // An HLC too far ahead holds the stream (said once, with its offset);
    // a later pull brings the batch when it fits. Anything else is an error.
    if (!this.recovery.holds.noteRejected(stream, from?.peer, outcome.error)) {
      ctx.log(
        "error",
        {
          event: "realtime-rejected",
          peer: from?.peer ?? null,
          stream: key,
          error: outcome.error.message,
        },
        "realtime batch rejected",
      );
    }
    return AckStatus.DROPPED;
  }

  private hold(stream: StreamKey, key: string, batch: StreamBatch, status: AckStatus): AckStatus {
    const { ctx } = this;
    const p = this.pending.get(key) ?? { stream, batches: [], count: 0 };
    if (p.count + batch.changes.length > ctx.config.pendingBufferMax) {
      ctx.metrics.inc("tidemark_realtime_dropped_total", { stream: key }, batch.changes.length);
      ctx.log(
        "warn",
        {
          event: "pending-buffer-full",
          stream: key,
          held: p.count,
          max: ctx.config.pendingBufferMax,
        },
        "pending buffer full: dropping the batch, a pull recovers it",
      );
      return AckStatus.DROPPED;
    }
    p.batches.push({ prevSeq: batch.prevSeq, changes: batch.changes });
    p.count += batch.changes.length;
    this.pending.set(key, p);
    this.publish(key, p.count);
    return status;
  }

  /** Applies held batches that now continue the chain; drops stale ones. */
  drain(stream: StreamKey): void {
    const { ctx } = this;
    const key = streamKeyString(stream);
    const p = this.pending.get(key);
    if (p === undefined || this.recovery.isBusy(key)) return;
    for (let guard = 0; guard <= p.batches.length + 1; guard++) {
      const st = ctx.store.streamState(stream);
      if (st?.pulling) break;
      const cursor = st?.cursor ?? 0n;
      p.batches = p.batches.filter((b) => (b.changes[b.changes.length - 1] as Change).seq > cursor);
      const next = p.batches.find((b) => (b.prevSeq ?? 0n) <= cursor);
      if (next === undefined) break;
      p.batches = p.batches.filter((b) => b !== next);
      const outcome = ctx.store.apply(stream, next.changes, {
        mode: "chain",
        prevSeq: next.prevSeq,
      });
      if (outcome.kind === "applied") {
        ctx.metrics.inc(
          "tidemark_records_in_total",
          { peer: "held", stream: key },
          outcome.appliedCount,
        );
      } else if (outcome.kind === "rejected") {
        ctx.log(
          "error",
          { event: "held-batch-rejected", stream: key, error: outcome.error.message },
          "held batch rejected",
        );
      }
    }
    p.count = p.batches.reduce((n, b) => n + b.changes.length, 0);
    if (p.count === 0) this.pending.delete(key);
    this.publish(key, p.count);
  }

  private publish(key: string, count: number): void {
    this.ctx.metrics.set("tidemark_pending_buffer_changes", { stream: key }, count);
  }
}
