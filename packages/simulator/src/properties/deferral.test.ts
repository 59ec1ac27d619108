// reconcile-deferral-lifts on its own: which unanswered mismatches it judges.
import { create } from "@bufbuild/protobuf";
import {
  ExchangeWatermarksRequestSchema,
  ExchangeWatermarksResponseSchema,
  ReconcileRequestSchema,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { DeferralTracker } from "./deferral.js";
import { STREAM } from "./two-devices.test-support.js";

let call = 0;
const fp = (b: number) => new Uint8Array(16).fill(b);
const wm = (fill: number, liveCount: bigint) => ({
  stream: STREAM,
  cursor: 9n,
  liveCount,
  fingerprint: fp(fill),
});

/** d0 asks d1 for its watermarks at `at`: d0 holds `mine`, d1 answers `theirs`. */
function exchange(t: DeferralTracker, at: number, mine = 1, theirs = 2) {
  const id = ++call;
  const req = create(ExchangeWatermarksRequestSchema, { watermarks: [wm(mine, 5n)] });
  const res = create(ExchangeWatermarksResponseSchema, { watermarks: [wm(theirs, 3n)] });
  const base = { from: 0, to: 1, rpc: "ExchangeWatermarks", call: id, bytes: 0 };
  t.observe({ ...base, part: "req", message: () => req }, at);
  t.delivered({ ...base, part: "req", message: () => req }, at);
  t.observe({ ...base, from: 1, to: 0, part: "res", message: () => res }, at);
  t.delivered({ ...base, from: 1, to: 0, part: "res", message: () => res }, at);
}

function reconcile(t: DeferralTracker, from: number, at: number) {
  const req = create(ReconcileRequestSchema, { stream: STREAM });
  const m = { from, to: 1 - from, rpc: "Reconcile", part: "req", call: ++call, bytes: 0 };
  t.observe({ ...m, message: () => req }, at);
}

const tracker = () =>
  new DeferralTracker(
    1_000,
    () => 1,
    () => false,
  );

describe("reconcile-deferral-lifts", () => {
  test("the same mismatch exchanged past the window with no reconcile fails", () => {
    const t = tracker();
    for (const at of [0, 2_000, 4_000]) exchange(t, at);
    expect(t.check()?.detail).toContain("d0 and d1 exchanged the same differing states");
  });

  test("a reconcile by either side in those states passes", () => {
    const t = tracker();
    exchange(t, 0);
    reconcile(t, 1, 500);
    for (const at of [2_000, 4_000]) exchange(t, at);
    expect(t.check()).toBe(undefined);
  });

  test("a mismatch that changes or heals within the window passes", () => {
    const t = tracker();
    exchange(t, 0);
    exchange(t, 2_000, 3);
    exchange(t, 4_000, 2);
    exchange(t, 6_000, 2);
    expect(t.check()).toBe(undefined);
  });
});
