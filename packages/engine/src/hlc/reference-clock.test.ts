import { describe, expect, it } from "vitest";
import { ReferenceClock } from "./reference-clock.js";

const T = 1_750_000_000_000;

function host(startWall = T) {
  const h = { wall: startWall, mono: 0 };
  const clock = { now: () => h.wall, monotonic: () => h.mono };
  const tick = (ms: number, wallDelta = ms) => {
    h.mono += ms;
    h.wall += wallDelta;
  };
  return { h, clock, tick };
}

describe("reference clock", () => {
  it("is the wall clock while the wall clock behaves", () => {
    const { clock, tick } = host();
    const ref = new ReferenceClock(clock);
    tick(1_000);
    expect(ref.now()).toBe(T + 1_000);
  });

  it("keeps counting real time when the wall clock goes back a day", () => {
    const { h, clock, tick } = host();
    const ref = new ReferenceClock(clock);
    tick(1_000);
    expect(ref.now()).toBe(T + 1_000);
    h.wall -= 86_400_000;
    tick(5_000);
    expect(ref.now()).toBe(T + 6_000);
  });

  it("keeps counting when the wall clock freezes, and follows it again once it is ahead", () => {
    const { clock, tick } = host();
    const ref = new ReferenceClock(clock);
    tick(10_000, 0);
    expect(ref.now()).toBe(T + 10_000);
    tick(1_000, 20_000);
    expect(ref.now()).toBe(T + 20_000);
  });

  it("starts no lower than a persisted floor", () => {
    const { clock } = host(T - 86_400_000);
    expect(new ReferenceClock(clock, T).now()).toBe(T);
  });
});
