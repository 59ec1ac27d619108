// range-rounds-within-limits: a range-round message over its sender's
// range or frame limit fails; one at the limit, a liar's, and coded
// symbols are not failed.
import { create } from "@bufbuild/protobuf";
import {
  type ReconcileRange,
  ReconcileRangeSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { RangeLimitsTracker } from "./range-limits.js";

const LIMITS = { maxRanges: 7, frameBytes: 4096 };

/** `n` fingerprint ranges tiling the id space. */
function ranges(n: number): ReconcileRange[] {
  return Array.from({ length: n }, (_, k) =>
    create(ReconcileRangeSchema, {
      upperBound: k === n - 1 ? new Uint8Array() : Uint8Array.of(k + 1),
      payload: { case: "fingerprint", value: new Uint8Array(16) },
    }),
  );
}

function send(t: RangeLimitsTracker, from: number, part: "req" | "res", r: ReconcileRange[]) {
  const message =
    part === "req"
      ? create(ReconcileRequestSchema, { ranges: r })
      : create(ReconcileResponseSchema, { ranges: r });
  t.observe(
    { from, to: 1 - from, rpc: "Reconcile", part, call: 1, bytes: 0, message: () => message },
    0,
  );
}

describe("range-rounds-within-limits", () => {
  test("messages at their sender's limits pass", () => {
    const t = new RangeLimitsTracker(
      () => LIMITS,
      () => false,
    );
    send(t, 0, "req", ranges(7));
    send(t, 1, "res", ranges(7));
    expect(t.judged).toBe(2);
    expect(t.check()).toBeUndefined();
  });

  test("an answer with one range too many fails", () => {
    const t = new RangeLimitsTracker(
      () => LIMITS,
      () => false,
    );
    send(t, 1, "res", ranges(8));
    expect(t.check()?.detail).toMatch(/8 ranges \(its limit 7\)/);
  });

  test("a request over the frame limit fails", () => {
    const t = new RangeLimitsTracker(
      () => ({ maxRanges: 256, frameBytes: 4096 }),
      () => false,
    );
    send(t, 0, "req", ranges(200));
    expect(t.check()?.detail).toMatch(/bytes of ranges \(its limit 4096\)/);
  });

  test("a liar's messages and coded symbols are not judged", () => {
    const t = new RangeLimitsTracker(
      () => LIMITS,
      (i) => i === 1,
    );
    send(t, 1, "res", ranges(8));
    const coded = create(ReconcileRangeSchema, { payload: { case: "symbolsRequest", value: {} } });
    send(t, 0, "req", [...ranges(8).slice(0, -1), coded]);
    expect(t.judged).toBe(0);
    expect(t.check()).toBeUndefined();
  });
});
