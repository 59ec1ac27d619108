// Receiving realtime batches: apply the contiguous ones, hold the rest in a
// bounded buffer and pull the gap (DESIGN §1 B7). Duplicates are no-ops
// (the store's chain apply skips what it already holds). What is held is
// bounded per stream in changes, and in encoded bytes per pushing peer and
// over all peers (issue 14): past a bound the batch is DROPPED.
import { create, toBinary } from "@bufbuild/protobuf";
import type { Change } from "@tidemark/protocol";
import {
  AckStatus,
  ChangeSchema,
  type StreamAck,
  StreamAckSchema,
  type StreamBatch,
} from "@tidemark/protocol";
import { EngineError } from "../errors.js";
import { sentByOrigin } from "../identity/verify.js";
import type { StreamKey } from "../store/store-api.js";
import {
  authenticatedSender,
  limitReached,
  noteBoundRefusal,
  noteForgery,
  type SyncContext,
  seqField,
} from "./context.js";
import { fromHex, streamIdFromKey, streamKeyFromId, streamKeyString } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";
import type { Recovery } from "./recovery.js";

type Held = {
  readonly prevSeq: bigint | undefined;
  /** The origin key the batch carried (§16 SG-3). */
  readonly originKey: Uint8Array;
  readonly changes: readonly Change[];
  /** Who pushed it ("unknown" for a caller that is not a peer) and its encoded size. */
  readonly from: string;
  /** The authenticated pusher (ApplyOptions.sentBy), kept for when the batch is applied. */
  readonly sentBy: string | undefined;
  readonly bytes: number;
};
type Pending = { readonly stream: StreamKey; batches: Held[]; count: number };
/** How held changes leave the buffer (stale: a pull or another batch brought them first). */
type Released = "applied" | "stale" | "past-origin-head" | "refused";

/** Encoded size of a batch's changes (what holding it costs). */
function batchBytes(changes: readonly Change[]): number {
  let n = 0;
  for (const c of changes) n += toBinary(ChangeSchema, c).length;
  return n;
}

export class Inbox {
  private readonly pending = new Map<string, Pending>();
  /** Held bytes per pushing peer, and in all. */
  private readonly bytesFrom = new Map<string, number>();
  private bytesTotal = 0;

  constructor(
    private readonly ctx: SyncContext,
    private readonly recovery: Recovery,
  ) {}

  /** Encoded bytes of the changes held across all streams. */
  get heldBytes(): number {
    return this.bytesTotal;
  }

  /** Changes held across all streams. */
  get heldChanges(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.count;
    return n;
  }

  /**
   * Refuses the whole request, before anything of it is applied or held,
   * unless every batch is signed by its stream's origin (PROTOCOL.md §16
   * SG-4; only key and signature shape when the authenticated pusher is the
   * origin, SG-8): a forged batch is an error response, never a silent DROPPED.
   */
  private verifyAll(from: PeerSync | undefined, batches: readonly StreamBatch[]): void {
    const { ctx } = this;
    batches.forEach((batch, i) => {
      const stream = streamKeyFromId(batch.stream);
      try {
        ctx.verify({
          libraryId: ctx.libraryIdBytes,
          origin: fromHex(stream.origin),
          resource: stream.resource,
          changes: batch.changes,
          originKey: batch.originKey,
          storedKey: ctx.store.originKey(stream.origin),
          sentByOrigin: sentByOrigin(
            authenticatedSender(ctx, from?.peer),
            stream.origin.toLowerCase(),
            ctx.deviceId,
          ),
        });
      } catch (err) {
        const e = EngineError.from(err);
        const field = typeof e.details.field === "string" ? e.details.field : "changes";
        const refused = new EngineError(e.code, e.message.replace(/^\[[^\]]*\] /, ""), {
          ...e.details,
          field: `batches[${i}].${field}`,
        });
        noteForgery(ctx, refused, { peer: from?.peer ?? null, stream: streamKeyString(stream) });
        throw refused;
      }
    });
  }

  /** Handles one PushChanges request from `from` (may be undefined if unknown). */
  receive(from: PeerSync | undefined, batches: readonly StreamBatch[]): StreamAck[] {
    this.verifyAll(from, batches);
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
      return this.hold(from, stream, key, batch, AckStatus.HELD);
    }
    const outcome = ctx.store.apply(stream, batch.changes, {
      mode: "chain",
      prevSeq: batch.prevSeq,
      originKey: batch.originKey,
      sentBy: authenticatedSender(ctx, from?.peer),
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
      return this.hold(from, stream, key, batch, AckStatus.GAP);
    }
    if (noteBoundRefusal(ctx, outcome.error, { peer: from?.peer ?? null, stream: key })) {
      return AckStatus.DROPPED;
    }
    // A row another origin owns (a forged tombstone): an error, not a DROPPED.
    if (noteForgery(ctx, outcome.error, { peer: from?.peer ?? null, stream: key })) {
      throw outcome.error;
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

  private hold(
    from: PeerSync | undefined,
    stream: StreamKey,
    key: string,
    batch: StreamBatch,
    status: AckStatus,
  ): AckStatus {
    const { ctx } = this;
    const p = this.pending.get(key) ?? { stream, batches: [], count: 0 };
    const peer = from?.peer ?? "unknown";
    const bytes = batchBytes(batch.changes);
    const fromBytes = this.bytesFrom.get(peer) ?? 0;
    const { heldRealtimeBytesPerPeer, heldRealtimeBytes } = ctx.bounds;
    const full =
      p.count + batch.changes.length > ctx.config.pendingBufferMax
        ? "pending-changes-per-stream"
        : fromBytes + bytes > heldRealtimeBytesPerPeer
          ? "held-realtime-bytes-per-peer"
          : this.bytesTotal + bytes > heldRealtimeBytes
            ? "held-realtime-bytes"
            : undefined;
    if (full !== undefined) {
      ctx.metrics.inc("tidemark_realtime_dropped_total", { stream: key }, batch.changes.length);
      limitReached(ctx, full, {
        peer,
        stream: key,
        heldChanges: p.count,
        batchChanges: batch.changes.length,
        heldBytesFromPeer: fromBytes,
        heldBytes: this.bytesTotal,
        batchBytes: bytes,
      });
      return AckStatus.DROPPED;
    }
    p.batches.push({
      prevSeq: batch.prevSeq,
      originKey: batch.originKey,
      changes: batch.changes,
      from: peer,
      sentBy: authenticatedSender(ctx, from?.peer),
      bytes,
    });
    p.count += batch.changes.length;
    this.account(peer, bytes);
    this.pending.set(key, p);
    ctx.metrics.inc("tidemark_realtime_held_total", { stream: key }, batch.changes.length);
    this.publish(key, p.count);
    return status;
  }

  private account(peer: string, delta: number): void {
    this.bytesTotal += delta;
    const n = (this.bytesFrom.get(peer) ?? 0) + delta;
    if (n <= 0) this.bytesFrom.delete(peer);
    else this.bytesFrom.set(peer, n);
  }

  /**
   * `origin` itself just reported its head for its streams (its cursor in
   * ExchangeWatermarks, not pulling): a held batch past that head belongs
   * to no chain the origin continues. It was pushed by an earlier
   * incarnation (a device restored from a backup, PROTOCOL §3.7), and
   * applied later it would land on the seqs the origin hands out again.
   * Dropped; a pull brings whatever is real. A stream the origin does not
   * list at all it holds nothing of (own streams are listed first, §4):
   * its head is 0.
   */
  dropPastOriginHead(origin: PeerSync): void {
    const { ctx } = this;
    for (const [key, p] of this.pending) {
      if (p.stream.origin !== origin.peer) continue;
      const r = origin.remote.get(key);
      // Only the origin's own report counts (a push raises the cursor we
      // know without a fingerprint); unconfirmed writes: not known yet.
      if (r !== undefined && (r.fingerprintKnown !== true || r.pulling === true)) continue;
      const head = r?.cursor ?? 0n;
      const past = p.batches.filter((b) => (b.changes[b.changes.length - 1] as Change).seq > head);
      if (past.length === 0) continue;
      for (const b of past) this.account(b.from, -b.bytes);
      p.batches = p.batches.filter((b) => !past.includes(b));
      const dropped = past.reduce((n, b) => n + b.changes.length, 0);
      p.count -= dropped;
      if (p.count === 0) this.pending.delete(key);
      this.publish(key, p.count);
      this.released(key, "past-origin-head", dropped);
      ctx.metrics.inc("tidemark_realtime_dropped_total", { stream: key }, dropped);
      ctx.log(
        "warn",
        {
          event: "held-past-origin-head",
          peer: origin.peer,
          stream: key,
          head: seqField(r?.cursor),
          dropped,
        },
        "held realtime changes past the head their origin reports: dropped (an earlier incarnation's)",
      );
    }
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
      p.batches = p.batches.filter((b) => {
        const stale = (b.changes[b.changes.length - 1] as Change).seq <= cursor;
        if (!stale) return true;
        this.account(b.from, -b.bytes);
        this.released(key, "stale", b.changes.length);
        return false;
      });
      const next = p.batches.find((b) => (b.prevSeq ?? 0n) <= cursor);
      if (next === undefined) break;
      p.batches = p.batches.filter((b) => b !== next);
      this.account(next.from, -next.bytes);
      const outcome = ctx.store.apply(stream, next.changes, {
        mode: "chain",
        prevSeq: next.prevSeq,
        originKey: next.originKey,
        sentBy: next.sentBy,
      });
      if (outcome.kind === "applied") {
        this.released(key, "applied", next.changes.length);
        ctx.metrics.inc(
          "tidemark_records_in_total",
          { peer: "held", stream: key },
          outcome.appliedCount,
        );
      } else if (outcome.kind === "rejected") {
        this.released(key, "refused", next.changes.length);
        // A clock refusal holds the stream as it does for a fresh push.
        const peer = next.from === "unknown" ? undefined : next.from;
        if (!this.recovery.holds.noteRejected(stream, peer, outcome.error))
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

  /** Counts held changes leaving the buffer (held-changes-accounted: none leaves unsaid). */
  private released(key: string, outcome: Released, changes: number): void {
    this.ctx.metrics.inc("tidemark_realtime_released_total", { stream: key, outcome }, changes);
  }

  private publish(key: string, count: number): void {
    this.ctx.metrics.set("tidemark_pending_buffer_changes", { stream: key }, count);
  }
}
