import { DEFAULT_SYNC_CONFIG } from "@tidemark/engine";
import { describe, expect, it } from "vitest";
import { bufferConfig, timerConfig } from "./serve.js";

describe("serve timer flags", () => {
  it("sets the periodic exchange, and realtime skips one for half of it", () => {
    expect(timerConfig({ exchangeIntervalMs: "1000" })).toEqual({
      periodicExchangeMs: 1000,
      realtimeActivityWindowMs: 500,
    });
    expect(timerConfig({ exchangeIntervalMs: "600000" }).realtimeActivityWindowMs).toBe(30_000);
  });

  it("sets the reconcile deferral, zero included", () => {
    expect(timerConfig({ reconcileDeferMs: "0" })).toEqual({ reconcileDeferMs: 0 });
    expect(timerConfig({})).toEqual({});
  });

  it("refuses a non-integer, too short or too long interval with the flag named", () => {
    for (const bad of ["abc", "1.5", "99", "-1", "86400001", ""]) {
      expect(() => timerConfig({ exchangeIntervalMs: bad })).toThrow(/--exchange-interval-ms/);
    }
    expect(() => timerConfig({ reconcileDeferMs: "-5" })).toThrow(/--reconcile-defer-ms/);
  });
});

describe("serve buffer flags", () => {
  it("lowers the pending and per-origin dependency bounds, and reports the bounds in force", () => {
    const b = bufferConfig({ pendingBufferMax: "8", dependencyBufferMax: "16" });
    expect(b.sync).toEqual({ pendingBufferMax: 8 });
    expect(b.bounds).toEqual({ dependencyRowsPerOrigin: 16 });
    expect(b.limits).toEqual({ pendingBufferMax: 8, dependencyBufferMaxPerOrigin: 16 });
  });

  it("reports the defaults when unset", () => {
    const b = bufferConfig({});
    expect(b.sync).toEqual({});
    expect(b.bounds).toEqual({});
    expect(b.limits.pendingBufferMax).toBe(DEFAULT_SYNC_CONFIG.pendingBufferMax);
    expect(b.limits.dependencyBufferMaxPerOrigin).toBeGreaterThan(0);
  });

  it("refuses a bound that is not a positive integer, with the flag named", () => {
    for (const bad of ["0", "-1", "1.5", "x"]) {
      expect(() => bufferConfig({ pendingBufferMax: bad })).toThrow(/--pending-buffer-max/);
      expect(() => bufferConfig({ dependencyBufferMax: bad })).toThrow(/--dependency-buffer-max/);
    }
  });
});
