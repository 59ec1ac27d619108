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
  const a = new Admission({ now: () => clock.now, monotonic: () => clock.now }, LIMITS, (limit) =>
    refused.push(limit),
  );
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
  test("bounds Backfills per caller and over all strangers; release frees a place", () => {
    const { a, refused } = setup();
    const r1 = a.backfill("p", false);
    a.backfill("p", false);
    expect(reasonOf(() => a.backfill("p", false))).toBe(ErrorReason.RATE_LIMITED);
    a.backfill("q", false);
    // Three open: a made-up caller id does not get a fourth.
    expect(reasonOf(() => a.backfill("fresh", false))).toBe(ErrorReason.RATE_LIMITED);
    r1();
    r1(); // twice is once
    expect(reasonOf(() => a.backfill("fresh", false))).toBeUndefined();
    expect(refused).toEqual(["backfills-per-peer", "backfills"]);
  });

  test("strangers never take what a peer needs", () => {
    const { a } = setup();
    for (const s of ["s1", "s2", "s3"]) a.backfill(s, false);
    for (let i = 0; i < 5; i++) a.watermarkCall(`s${i}`, false);
    expect(reasonOf(() => a.backfill("s9", false))).toBe(ErrorReason.RATE_LIMITED);
    expect(reasonOf(() => a.watermarkCall("s9", false))).toBe(ErrorReason.RATE_LIMITED);
    // A peer still gets its own Backfills and calls.
    expect(reasonOf(() => a.backfill("peer", true))).toBeUndefined();
    expect(reasonOf(() => a.watermarkCall("peer", true))).toBeUndefined();
  });

  test("a caller's watermark calls refill at its rate, a burst at most", () => {
    const { a, clock, refused } = setup();
    for (let i = 0; i < 3; i++) a.watermarkCall("p", false);
    expect(reasonOf(() => a.watermarkCall("p", false))).toBe(ErrorReason.RATE_LIMITED);
    clock.set(1_000);
    expect(reasonOf(() => a.watermarkCall("p", false))).toBeUndefined();
    expect(reasonOf(() => a.watermarkCall("p", false))).toBe(ErrorReason.RATE_LIMITED);
    expect(refused).toEqual(["watermark-calls-per-peer", "watermark-calls-per-peer"]);
  });

  test("the strangers' bucket holds against callers with made-up ids", () => {
    const { a } = setup();
    for (let i = 0; i < 5; i++) a.watermarkCall(`p${i}`, false);
    expect(reasonOf(() => a.watermarkCall("p99", false))).toBe(ErrorReason.RATE_LIMITED);
  });

  test("a clock set back neither stalls nor fills the buckets", () => {
    const { a, clock } = setup();
    clock.set(10_000);
    for (let i = 0; i < 3; i++) a.watermarkCall("p", false);
    clock.set(0);
    expect(reasonOf(() => a.watermarkCall("p", false))).toBe(ErrorReason.RATE_LIMITED);
    clock.set(1_000);
    expect(reasonOf(() => a.watermarkCall("p", false))).toBeUndefined();
  });
});
