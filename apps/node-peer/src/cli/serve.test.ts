import { describe, expect, it } from "vitest";
import { timerConfig } from "./serve.js";

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
