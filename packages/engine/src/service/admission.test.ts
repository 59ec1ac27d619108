import { ErrorReason, isProtocolError } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { Admission, type AdmissionLimits } from "./admission.js";

const LIMITS: AdmissionLimits = {
  backfillsPerPeer: 2,
  backfills: 3,
  watermarkCallsPerPeer: { burst: 3, perSecond: 1 },
  watermarkCalls: { burst: 5, perSecond: 10 },
};

function setup() {
  const clock = { now: 0, set: (ms: number) => (clock.now = ms) };
  const refused: string[] = [];
  const a = new Admission({ now: () => clock.now }, LIMITS, (limit) => refused.push(limit));
  return { a, clock, refused };
}

function reasonOf(fn: () => unknown): ErrorReason | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isProtocolError(err) ? err.reason : undefined;
  }
}

describe("Admission", () => {
  test("bounds Backfills per caller and over all callers; release frees a place", () => {
    const { a, refused } = setup();
    const r1 = a.backfill("p");
    a.backfill("p");
    expect(reasonOf(() => a.backfill("p"))).toBe(ErrorReason.RATE_LIMITED);
    a.backfill("q");
    // Three open: a made-up caller id does not get a fourth.
    expect(reasonOf(() => a.backfill("fresh"))).toBe(ErrorReason.RATE_LIMITED);
    r1();
    r1(); // twice is once
    expect(reasonOf(() => a.backfill("fresh"))).toBeUndefined();
    expect(refused).toEqual(["backfills-per-peer", "backfills"]);
  });

  test("a caller's watermark calls refill at its rate, a burst at most", () => {
    const { a, clock, refused } = setup();
    for (let i = 0; i < 3; i++) a.watermarkCall("p");
    expect(reasonOf(() => a.watermarkCall("p"))).toBe(ErrorReason.RATE_LIMITED);
    clock.set(1_000);
    expect(reasonOf(() => a.watermarkCall("p"))).toBeUndefined();
    expect(reasonOf(() => a.watermarkCall("p"))).toBe(ErrorReason.RATE_LIMITED);
    expect(refused).toEqual(["watermark-calls-per-peer", "watermark-calls-per-peer"]);
  });

  test("the global bucket holds against callers with made-up ids", () => {
    const { a } = setup();
    for (let i = 0; i < 5; i++) a.watermarkCall(`p${i}`);
    expect(reasonOf(() => a.watermarkCall("p99"))).toBe(ErrorReason.RATE_LIMITED);
  });

  test("a clock set back neither stalls nor fills the buckets", () => {
    const { a, clock } = setup();
    clock.set(10_000);
    for (let i = 0; i < 3; i++) a.watermarkCall("p");
    clock.set(0);
    expect(reasonOf(() => a.watermarkCall("p"))).toBe(ErrorReason.RATE_LIMITED);
    clock.set(1_000);
    expect(reasonOf(() => a.watermarkCall("p"))).toBeUndefined();
  });
});
