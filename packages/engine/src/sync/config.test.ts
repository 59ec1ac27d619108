import { describe, expect, test } from "vitest";
import { DEFAULT_SYNC_CONFIG, pageTimeoutMs, resolveSyncConfig } from "./config.js";

describe("sync config", () => {
  test("defaults are the seed's good parts: 50 ms / 100 changes, 30 s window, 60 s periodic", () => {
    expect(resolveSyncConfig(undefined)).toMatchObject({
      realtimeFlushMs: 50,
      realtimeMaxBatch: 100,
      realtimeActivityWindowMs: 30_000,
      periodicExchangeMs: 60_000,
    });
  });

  test("the page timeout scales with the page size, never below the base", () => {
    const base = DEFAULT_SYNC_CONFIG.requestTimeoutMs;
    expect(pageTimeoutMs(resolveSyncConfig({ pageMaxChanges: 100 }))).toBe(base);
    expect(pageTimeoutMs(resolveSyncConfig({ pageMaxChanges: 1_000 }))).toBe(base);
    expect(pageTimeoutMs(resolveSyncConfig({ pageMaxChanges: 4_000 }))).toBe(4 * base);
  });

  test("nonsense is refused with a clear error", () => {
    expect(() => resolveSyncConfig({ pageMaxChanges: 0 })).toThrow(/pageMaxChanges/);
    expect(() => resolveSyncConfig({ backoffBaseMs: -1 })).toThrow(/backoffBaseMs/);
    expect(() => resolveSyncConfig({ periodicExchangeMs: Number.NaN })).toThrow(
      /periodicExchangeMs/,
    );
    expect(() => resolveSyncConfig({ reconcileDeferMs: -1 })).toThrow(/reconcileDeferMs/);
  });

  test("the reconcile deferral is unset by default (half the periodic exchange) and settable", () => {
    expect(resolveSyncConfig(undefined).reconcileDeferMs).toBeUndefined();
    expect(resolveSyncConfig({ reconcileDeferMs: 0 }).reconcileDeferMs).toBe(0);
  });
});
