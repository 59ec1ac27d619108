// Defaults of the control plane (issue 5, DESIGN §1 "keep the good parts").
import type { SyncConfig } from "../replica-api.js";
import { DEFAULT_DEPENDENCY_BUFFER_MAX } from "../store/dep-buffer.js";

export const DEFAULT_SYNC_CONFIG: SyncConfig = {
  realtimeFlushMs: 50,
  realtimeMaxBatch: 100,
  realtimeActivityWindowMs: 30_000,
  periodicExchangeMs: 60_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  pageMaxChanges: 1_000,
  pageMaxBytes: 1024 * 1024,
  requestTimeoutMs: 10_000,
  pendingBufferMax: 10_000,
  dependencyBufferMax: DEFAULT_DEPENDENCY_BUFFER_MAX,
  hlcMaxOffsetMs: 300_000,
  sharedTombstoneRetentionMs: 30 * 86_400_000,
};

/** Fills unset fields with defaults and rejects nonsense (non-positive sizes). */
export function resolveSyncConfig(partial: Partial<SyncConfig> | undefined): SyncConfig {
  const config = { ...DEFAULT_SYNC_CONFIG, ...partial };
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === "boolean") continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`sync config ${key} must be a non-negative number, got ${value}`);
    }
  }
  if (config.pageMaxChanges < 1 || config.realtimeMaxBatch < 1) {
    throw new RangeError("pageMaxChanges and realtimeMaxBatch must be >= 1");
  }
  return config;
}

/** Most halvings of the page limits for a slow source (then 1 change per page). */
export const MAX_PAGE_SHRINK = 30;

/**
 * Page limits asked of a source whose pages timed out `shrink` times more
 * than they arrived quickly: the configured limits halved that often,
 * never below one change and one byte (a single change always goes).
 */
export function pageLimits(
  config: SyncConfig,
  shrink: number,
): { readonly maxChanges: number; readonly maxBytes: number } {
  const div = 2 ** Math.max(0, Math.min(shrink, MAX_PAGE_SHRINK));
  return {
    maxChanges: Math.max(1, Math.floor(config.pageMaxChanges / div)),
    maxBytes: Math.max(1, Math.floor(config.pageMaxBytes / div)),
  };
}

/**
 * Timeout of one Backfill page: the base timeout scales linearly with the
 * page size relative to the default page (never below the base), so a
 * large-page configuration does not time out on a slow but healthy link.
 */
export function pageTimeoutMs(config: SyncConfig): number {
  return Math.round(
    config.requestTimeoutMs *
      Math.max(1, config.pageMaxChanges / DEFAULT_SYNC_CONFIG.pageMaxChanges),
  );
}
