import { describe, expect, it } from "vitest";
import { SteerableClock } from "./ports.js";

describe("the wall clock TestControl steers", () => {
  it("reads the host's clock until set, then runs on from the reading set", () => {
    const c = new SteerableClock();
    expect(Math.abs(c.now() - Date.now())).toBeLessThan(1_000);
    const set = c.set(1_000_000, false);
    expect(set).toBeGreaterThanOrEqual(1_000_000);
    expect(c.now()).toBeGreaterThanOrEqual(set);
    expect(c.now() - 1_000_000).toBeLessThan(60_000);
  });

  it("stands still when frozen, and goes back to the host's clock when unset", () => {
    const c = new SteerableClock();
    const frozen = c.set(5_000, true);
    expect(frozen).toBe(5_000);
    expect(c.now()).toBe(5_000);
    c.set(undefined, false);
    expect(Math.abs(c.now() - Date.now())).toBeLessThan(1_000);
  });

  it("never moves the monotonic clock", () => {
    const c = new SteerableClock();
    const before = c.monotonic();
    c.set(0, true);
    expect(c.monotonic()).toBeGreaterThanOrEqual(before);
  });
});
