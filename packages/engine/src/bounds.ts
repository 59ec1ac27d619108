// What any one peer can make this replica hold or do (issue 14): every
// bound in one value, defaulting to the RECOMMENDED figures of the
// protocol's limits.ts (PROTOCOL.md §11). A host may lower them (tests do,
// to reach them quickly); raising them trades memory for slack.
import {
  MAX_BACKFILLS,
  MAX_BACKFILLS_PER_PEER,
  MAX_DEPENDENCY_BYTES,
  MAX_DEPENDENCY_BYTES_PER_ORIGIN,
  MAX_DEPENDENCY_ROWS,
  MAX_DEPENDENCY_ROWS_PER_ORIGIN,
  MAX_HELD_REALTIME_BYTES,
  MAX_HELD_REALTIME_BYTES_PER_PEER,
  WATERMARK_CALLS,
  WATERMARK_CALLS_PER_PEER,
} from "@tidemark/protocol";

/** A token bucket: `burst` calls at once, refilled at `perSecond`. */
export type Rate = { readonly burst: number; readonly perSecond: number };

export type ReplicaBounds = {
  /** Backfills one caller may have open at once. */
  readonly backfillsPerPeer: number;
  /** Backfills open at once over all callers. */
  readonly backfills: number;
  /** ExchangeWatermarks and NotifyDataAvailable calls of one caller. */
  readonly watermarkCallsPerPeer: Rate;
  /** The same calls over all callers. */
  readonly watermarkCalls: Rate;
  /** Encoded bytes of realtime batches held (gap, pull) for one pushing peer. */
  readonly heldRealtimeBytesPerPeer: number;
  /** The same over all peers. */
  readonly heldRealtimeBytes: number;
  /** Changes waiting for a missing parent, over all origins. */
  readonly dependencyRows: number;
  /** Changes waiting for a missing parent, of one origin. */
  readonly dependencyRowsPerOrigin: number;
  /** Encoded bytes of those changes, of one origin. */
  readonly dependencyBytesPerOrigin: number;
  /** Encoded bytes of those changes, over all origins. */
  readonly dependencyBytes: number;
};

export const DEFAULT_BOUNDS: ReplicaBounds = {
  backfillsPerPeer: MAX_BACKFILLS_PER_PEER,
  backfills: MAX_BACKFILLS,
  watermarkCallsPerPeer: WATERMARK_CALLS_PER_PEER,
  watermarkCalls: WATERMARK_CALLS,
  heldRealtimeBytesPerPeer: MAX_HELD_REALTIME_BYTES_PER_PEER,
  heldRealtimeBytes: MAX_HELD_REALTIME_BYTES,
  dependencyRows: MAX_DEPENDENCY_ROWS,
  dependencyRowsPerOrigin: MAX_DEPENDENCY_ROWS_PER_ORIGIN,
  dependencyBytesPerOrigin: MAX_DEPENDENCY_BYTES_PER_ORIGIN,
  dependencyBytes: MAX_DEPENDENCY_BYTES,
};

/** Fills unset bounds with the defaults; refuses a bound below 1. */
export function resolveBounds(partial: Partial<ReplicaBounds> | undefined): ReplicaBounds {
  const b = { ...DEFAULT_BOUNDS, ...partial };
  for (const [key, value] of Object.entries(b)) {
    const n = typeof value === "number" ? value : Math.min(value.burst, value.perSecond);
    if (!Number.isFinite(n) || n < 1) throw new RangeError(`bound ${key} must be >= 1, got ${n}`);
  }
  return b;
}
