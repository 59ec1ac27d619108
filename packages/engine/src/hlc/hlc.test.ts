import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { EngineErrorCode, isEngineError } from "../errors.js";
import { HLC_COUNTER_MAX, hlcCounter, hlcMs, hlcPack, hlcReceive, hlcTick } from "./hlc.js";

const T = 1_750_000_000_000;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isEngineError(e) ? e.code : "not-engine-error";
  }
  return undefined;
}

describe("hlc", () => {
  it("packs 48-bit ms and a 16-bit counter", () => {
    const h = hlcPack(T, 7);
    expect(hlcMs(h)).toBe(T);
    expect(hlcCounter(h)).toBe(7);
  });

  it("tick follows the wall clock and counts within one millisecond", () => {
    const a = hlcTick(0n, T);
    expect(a).toBe(hlcPack(T, 0));
    expect(hlcTick(a, T)).toBe(hlcPack(T, 1));
    expect(hlcTick(a, T + 5)).toBe(hlcPack(T + 5, 0));
  });

  it("never goes backwards when the clock jumps back", () => {
    const a = hlcTick(0n, T);
    const b = hlcTick(a, T - 60_000);
    expect(b > a).toBe(true);
    expect(hlcMs(b)).toBe(T);
  });

  it("never produces 0, even at clock 0", () => {
    expect(hlcTick(0n, 0)).not.toBe(0n);
    expect(hlcTick(0n, 0)).toBe(hlcPack(0, 1));
  });

  it("counter overflow advances to the next millisecond instead of wrapping", () => {
    const full = hlcPack(T, HLC_COUNTER_MAX);
    const next = hlcTick(full, T);
    expect(next).toBe(hlcPack(T + 1, 0));
    expect(next > full).toBe(true);
  });

  it("receive rejects a remote clock more than maxOffset ahead", () => {
    const remote = hlcPack(T + 300_001, 0);
    expect(codeOf(() => hlcReceive(0n, remote, T, 300_000))).toBe(EngineErrorCode.HlcTooFarAhead);
    expect(codeOf(() => hlcReceive(0n, hlcPack(T + 300_000, 0), T, 300_000))).toBeUndefined();
  });

  it("receive moves past the remote clock", () => {
    const local = hlcPack(T, 3);
    const remote = hlcPack(T + 10, 9);
    expect(hlcReceive(local, remote, T, 300_000)).toBe(hlcPack(T + 10, 10));
    expect(hlcReceive(hlcPack(T, 5), hlcPack(T, 9), T, 300_000)).toBe(hlcPack(T, 10));
  });

  it("rejects clock readings outside 48 bits", () => {
    expect(codeOf(() => hlcTick(0n, -1))).toBe(EngineErrorCode.Invalid);
    expect(codeOf(() => hlcTick(0n, 2 ** 48))).toBe(EngineErrorCode.Invalid);
  });

  test.prop(
    [
      fc.array(
        fc.record({
          now: fc.integer({ min: T - 1000, max: T + 1000 }),
          remote: fc.option(fc.integer({ min: T - 1000, max: T + 1000 })),
        }),
        { maxLength: 200 },
      ),
    ],
    { numRuns: 100 },
  )("is strictly monotone over any sequence of ticks and receives", (events) => {
    let h = hlcTick(0n, T);
    for (const e of events) {
      const next =
        e.remote === null ? hlcTick(h, e.now) : hlcReceive(h, hlcPack(e.remote, 5), e.now, 300_000);
      expect(next > h).toBe(true);
      if (e.remote !== null) expect(next > hlcPack(e.remote, 5)).toBe(true);
      h = next;
    }
  });
});
