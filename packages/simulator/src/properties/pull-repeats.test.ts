// pull-not-repeated on its own: which repeated pulls it judges.
import { create } from "@bufbuild/protobuf";
import {
  BackfillRequestSchema,
  BackfillResponseSchema,
  ExchangeWatermarksResponseSchema,
  PageStatus,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { SimNode } from "../node.js";
import { PullRepeatTracker } from "./pull-repeats.js";
import { STREAM, twoDevices } from "./two-devices.test-support.js";

const world = () => twoDevices(["aa", "aa"]);

let call = 0;

/** d1 tells d0 it holds the stream through `cursor`. */
async function claim(t: PullRepeatTracker, nodes: SimNode[], cursor: bigint, at: number) {
  const res = create(ExchangeWatermarksResponseSchema, {
    watermarks: [{ stream: STREAM, cursor, liveCount: 1n, fingerprint: new Uint8Array(16) }],
  });
  t.delivered(
    { from: 1, to: 0, rpc: "ExchangeWatermarks", part: "res", call: ++call, message: () => res },
    at,
  );
  await t.settle(nodes);
}

/** d0 pulls the stream from d1 at `at`; d1 serves `changes` changes, done `ms` later. */
async function pull(t: PullRepeatTracker, nodes: SimNode[], at: number, changes = 0, ms = 20) {
  const id = ++call;
  const req = create(BackfillRequestSchema, { streams: [{ stream: STREAM, afterSeq: 5n }] });
  t.observe(
    { from: 0, to: 1, rpc: "Backfill", part: "req", call: id, bytes: 0, message: () => req },
    at,
  );
  await t.settle(nodes);
  const page = create(BackfillResponseSchema, {
    stream: STREAM,
    status: PageStatus.OK,
    changes: Array.from({ length: changes }, () => ({})),
    completeThrough: 1_005n,
    streamDone: true,
  });
  t.delivered(
    { from: 1, to: 0, rpc: "Backfill", part: "page", call: id, message: () => page },
    at + ms,
  );
  await t.settle(nodes);
}

describe("pull-not-repeated", () => {
  test("a pull serving nothing, asked again at the states the last one left, fails", async () => {
    const { nodes } = world();
    const t = new PullRepeatTracker(10_000);
    await claim(t, nodes, 1_005n, 0);
    await pull(t, nodes, 10);
    await claim(t, nodes, 1_005n, 1_000);
    await pull(t, nodes, 1_010);
    expect(t.check()?.property).toBe("pull-not-repeated");
  });

  test("a pull after the peer claimed something new, or after a state changed, passes", async () => {
    const { state, nodes } = world();
    const t = new PullRepeatTracker(10_000);
    await claim(t, nodes, 1_005n, 0);
    await pull(t, nodes, 10);
    await claim(t, nodes, 2_005n, 1_000);
    await pull(t, nodes, 1_010);
    Object.assign(state[1] ?? {}, { cursor: 6n, fp: "cc" });
    await pull(t, nodes, 2_010);
    expect(t.check()).toBeUndefined();
  });

  test("a pull that serves rows again, or whose answer came late, passes", async () => {
    const { nodes } = world();
    const t = new PullRepeatTracker(10_000);
    await pull(t, nodes, 0, 3);
    await pull(t, nodes, 1_000, 3);
    await pull(t, nodes, 2_000, 0, 6_000);
    expect(t.check()).toBeUndefined();
  });
});
