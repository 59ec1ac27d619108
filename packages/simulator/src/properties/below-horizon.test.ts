// below-horizon-honoured on its own: the responder's answer, the caller's
// requests, and the full resync a BELOW_HORIZON page asks for.
import { create } from "@bufbuild/protobuf";
import {
  BackfillRequestSchema,
  BackfillResponseSchema,
  ExchangeWatermarksResponseSchema,
  PageStatus,
  ReconcileRequestSchema,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { BelowHorizonTracker, FOLLOW_MS } from "./below-horizon.js";
import { STREAM } from "./two-devices.test-support.js";

let call = 0;
const tracker = () =>
  new BelowHorizonTracker(
    () => 1,
    () => false,
  );

/** d1 tells d0 (in an exchange answer) its horizon on the stream. */
function announce(t: BelowHorizonTracker, horizon: bigint, at: number): void {
  const res = create(ExchangeWatermarksResponseSchema, {
    watermarks: [
      {
        stream: STREAM,
        cursor: 100n,
        liveCount: 1n,
        fingerprint: new Uint8Array(16),
        tombstoneHorizon: horizon,
      },
    ],
  });
  const m = { from: 1, to: 0, rpc: "ExchangeWatermarks", part: "res", call: ++call };
  t.observe({ ...m, bytes: 0, message: () => res }, at);
  t.delivered({ ...m, message: () => res }, at + 5);
}

/** d0 asks d1 for the stream after `afterSeq`; d1 answers `status`, the call ends. */
function pull(t: BelowHorizonTracker, afterSeq: bigint, status: PageStatus, at: number): void {
  const id = ++call;
  const req = create(BackfillRequestSchema, { streams: [{ stream: STREAM, afterSeq }] });
  const asked = { from: 0, to: 1, rpc: "Backfill", part: "req", call: id };
  t.observe({ ...asked, bytes: 0, message: () => req }, at);
  t.delivered({ ...asked, message: () => req }, at + 5);
  const page = create(BackfillResponseSchema, {
    stream: STREAM,
    status,
    streamDone: true,
    ...(status === PageStatus.BELOW_HORIZON
      ? { tombstoneHorizon: 50n }
      : { completeThrough: 100n }),
  });
  const served = { from: 1, to: 0, rpc: "Backfill", call: id };
  t.observe({ ...served, part: "page", bytes: 0, message: () => page }, at + 5);
  t.delivered({ ...served, part: "page", message: () => page }, at + 10);
  t.delivered({ ...served, part: "end", message: () => ({}) }, at + 10);
}

function reconcile(t: BelowHorizonTracker, at: number): void {
  const req = create(ReconcileRequestSchema, { stream: STREAM });
  t.observe(
    { from: 0, to: 1, rpc: "Reconcile", part: "req", call: ++call, bytes: 0, message: () => req },
    at,
  );
}

describe("below-horizon-honoured", () => {
  test("a pull below the horizon the responder told, refused and resynced at once, holds", () => {
    const t = tracker();
    pull(t, 40n, PageStatus.BELOW_HORIZON, 0);
    reconcile(t, 12);
    expect(t.check(5_000)).toBeUndefined();
  });

  test("a responder serving pages below a horizon it announced fails (BF-2)", () => {
    const t = tracker();
    announce(t, 50n, 0);
    pull(t, 40n, PageStatus.OK, 100);
    expect(t.check(5_000)?.detail).toMatch(/served d0 .* below the horizon 50/);
  });

  test("asking the refusing peer again is no full resync", () => {
    const t = tracker();
    pull(t, 40n, PageStatus.BELOW_HORIZON, 0);
    pull(t, 40n, PageStatus.BELOW_HORIZON, 20);
    expect(t.check(FOLLOW_MS + 100)?.detail).toMatch(/asked nobody about the stream/);
  });

  test("a BELOW_HORIZON page with no full resync after it fails", () => {
    const t = tracker();
    pull(t, 40n, PageStatus.BELOW_HORIZON, 0);
    expect(t.check(FOLLOW_MS - 20)).toBeUndefined();
    reconcile(t, FOLLOW_MS + 500);
    expect(t.check(FOLLOW_MS + 600)?.detail).toMatch(/asked nobody about the stream/);
  });

  test("a caller that restarted owes nothing", () => {
    let gen = 1;
    const t = new BelowHorizonTracker(
      () => gen,
      () => false,
    );
    pull(t, 40n, PageStatus.BELOW_HORIZON, 0);
    gen = 2;
    expect(t.check(FOLLOW_MS * 3)).toBeUndefined();
  });
});
