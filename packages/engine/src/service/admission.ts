// What one caller may make this responder do at once or per second:
// Backfills open (per caller and over all callers) and watermark calls
// (ExchangeWatermarks, NotifyDataAvailable: each makes the replica decide
// every stream) through token buckets. A refusal is RATE_LIMITED
// (resource_exhausted): the caller backs off and retries. The global
// bounds hold even for a caller that makes up a new device id per call.
import { ErrorReason, ProtocolError } from "@tidemark/protocol";
import type { Rate, ReplicaBounds } from "../bounds.js";
import type { Clock } from "../ports.js";

export type AdmissionLimits = Pick<
  ReplicaBounds,
  "backfillsPerPeer" | "backfills" | "watermarkCallsPerPeer" | "watermarkCalls"
>;

/** Told of each refusal: the limit's name and the caller. */
export type RefusalSink = (limit: string, peer: string) => void;

type Bucket = { tokens: number; at: number };

// Buckets of callers not heard from lately are forgotten past this many.
const MAX_TRACKED_PEERS = 4096;

export class Admission {
  private readonly open = new Map<string, number>();
  private openTotal = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly global: Bucket;

  constructor(
    private readonly clock: Clock,
    private readonly limits: AdmissionLimits,
    private readonly refused: RefusalSink,
  ) {
    this.global = { tokens: limits.watermarkCalls.burst, at: clock.now() };
  }

  /**
   * Admits one Backfill of `peer`: returns its release (call once, when
   * the stream ends), or throws RATE_LIMITED.
   */
  backfill(peer: string): () => void {
    const mine = this.open.get(peer) ?? 0;
    if (mine >= this.limits.backfillsPerPeer) {
      throw this.refuse("backfills-per-peer", peer, this.limits.backfillsPerPeer, mine + 1);
    }
    if (this.openTotal >= this.limits.backfills) {
      throw this.refuse("backfills", peer, this.limits.backfills, this.openTotal + 1);
    }
    this.open.set(peer, mine + 1);
    this.openTotal++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.openTotal--;
      const n = (this.open.get(peer) ?? 1) - 1;
      if (n <= 0) this.open.delete(peer);
      else this.open.set(peer, n);
    };
  }

  /** Takes one watermark call of `peer` from its bucket and the global one, or throws RATE_LIMITED. */
  watermarkCall(peer: string): void {
    const now = this.clock.now();
    let mine = this.buckets.get(peer);
    if (mine === undefined) {
      if (this.buckets.size >= MAX_TRACKED_PEERS) this.buckets.clear();
      mine = { tokens: this.limits.watermarkCallsPerPeer.burst, at: now };
      this.buckets.set(peer, mine);
    }
    refill(mine, this.limits.watermarkCallsPerPeer, now);
    refill(this.global, this.limits.watermarkCalls, now);
    if (mine.tokens < 1) {
      throw this.refuse("watermark-calls-per-peer", peer, this.limits.watermarkCallsPerPeer.burst);
    }
    if (this.global.tokens < 1) {
      throw this.refuse("watermark-calls", peer, this.limits.watermarkCalls.burst);
    }
    mine.tokens--;
    this.global.tokens--;
  }

  private refuse(limit: string, peer: string, bound: number, actual?: number): ProtocolError {
    this.refused(limit, peer);
    return new ProtocolError(ErrorReason.RATE_LIMITED, `${limit} limit (${bound}) reached`, {
      limit: bound,
      ...(actual === undefined ? {} : { actual }),
    });
  }
}

// A wall clock set back must not stall the bucket: time only adds tokens.
function refill(b: Bucket, rate: Rate, now: number): void {
  const elapsed = now - b.at;
  b.at = now;
  if (elapsed > 0) b.tokens = Math.min(rate.burst, b.tokens + (elapsed / 1000) * rate.perSecond);
}
