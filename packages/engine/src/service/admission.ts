// What one caller may make this responder do at once or per second:
// Backfills open and watermark calls (ExchangeWatermarks and
// NotifyDataAvailable: each makes the replica decide every stream, through
// token buckets), per caller; callers that are not peers of this replica
// also share one pool, so one that makes up a new device id per call is
// still bounded — and never takes what the peers need. A refusal is
// RATE_LIMITED (resource_exhausted): the caller backs off and retries.
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
  /** Backfills open of callers that are not peers. */
  private openStrangers = 0;
  private readonly buckets = new Map<string, Bucket>();
  /** The shared bucket of callers that are not peers. */
  private readonly strangers: Bucket;

  constructor(
    private readonly clock: Clock,
    private readonly limits: AdmissionLimits,
    private readonly refused: RefusalSink,
  ) {
    this.strangers = { tokens: limits.watermarkCalls.burst, at: clock.monotonic() };
  }

  /**
   * Admits one Backfill of `caller` (`isPeer`: a peer of this replica):
   * returns its release (call once, when the stream ends), or throws
   * RATE_LIMITED.
   */
  backfill(caller: string, isPeer: boolean): () => void {
    const mine = this.open.get(caller) ?? 0;
    if (mine >= this.limits.backfillsPerPeer) {
      throw this.refuse("backfills-per-peer", caller, this.limits.backfillsPerPeer, mine + 1);
    }
    if (!isPeer && this.openStrangers >= this.limits.backfills) {
      throw this.refuse("backfills", caller, this.limits.backfills, this.openStrangers + 1);
    }
    this.open.set(caller, mine + 1);
    if (!isPeer) this.openStrangers++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (!isPeer) this.openStrangers--;
      const n = (this.open.get(caller) ?? 1) - 1;
      if (n <= 0) this.open.delete(caller);
      else this.open.set(caller, n);
    };
  }

  /** Takes one watermark call of `caller` from its bucket (and the strangers' one), or throws RATE_LIMITED. */
  watermarkCall(caller: string, isPeer: boolean): void {
    const now = this.clock.monotonic();
    let mine = this.buckets.get(caller);
    if (mine === undefined) {
      if (this.buckets.size >= MAX_TRACKED_PEERS) this.buckets.clear();
      mine = { tokens: this.limits.watermarkCallsPerPeer.burst, at: now };
      this.buckets.set(caller, mine);
    }
    refill(mine, this.limits.watermarkCallsPerPeer, now);
    refill(this.strangers, this.limits.watermarkCalls, now);
    if (mine.tokens < 1) {
      throw this.refuse(
        "watermark-calls-per-peer",
        caller,
        this.limits.watermarkCallsPerPeer.burst,
      );
    }
    if (!isPeer && this.strangers.tokens < 1) {
      throw this.refuse("watermark-calls", caller, this.limits.watermarkCalls.burst);
    }
    mine.tokens--;
    if (!isPeer) this.strangers.tokens--;
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
