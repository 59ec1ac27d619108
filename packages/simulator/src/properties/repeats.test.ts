// reconcile-not-repeated on its own: which repeated questions it judges.
import { create } from "@bufbuild/protobuf";
import { ReconcileRangeSchema, ReconcileRequestSchema } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { SimNode } from "../node.js";
import { RepeatTracker } from "./repeats.js";
import { STREAM, twoDevices } from "./two-devices.test-support.js";

const world = () => twoDevices(["aa", "bb"]);

let call = 0;
/** d0 asks d1 `question` at `at`; answered (in time) at `answeredAt` unless undefined. */
async function ask(
  t: RepeatTracker,
  nodes: SimNode[],
  question: number,
  at: number,
  answeredAt: number | undefined,
  to = 1,
) {
  const id = ++call;
  const req = create(ReconcileRequestSchema, {
    stream: STREAM,
    ranges: [create(ReconcileRangeSchema, { upperBound: Uint8Array.of(question) })],
  });
  t.observe(
    { from: 0, to, rpc: "Reconcile", part: "req", call: id, bytes: 0, message: () => req },
    at,
  );
  await t.settle(nodes);
  if (answeredAt === undefined) return;
  t.delivered(
    { from: to, to: 0, rpc: "Reconcile", part: "res", call: id, message: () => ({}) },
    answeredAt,
  );
  await t.settle(nodes);
}

describe("reconcile-not-repeated", () => {
  test("an answered question asked again against unchanged states fails", async () => {
    const { nodes } = world();
    const t = new RepeatTracker(10_000);
    await ask(t, nodes, 1, 0, 20);
    await ask(t, nodes, 2, 30, undefined);
    await ask(t, nodes, 1, 2_000, 2_020);
    expect(t.check()?.property).toBe("reconcile-not-repeated");
  });

  test("a question asked again once either side's stream changed passes", async () => {
    const { state, nodes } = world();
    const t = new RepeatTracker(10_000);
    await ask(t, nodes, 1, 0, 20);
    Object.assign(state[1] ?? {}, { cursor: 6n, fp: "cc" });
    await ask(t, nodes, 1, 2_000, 2_020);
    expect(t.check()).toBeUndefined();
  });

  test("an unanswered or late-answered question may be asked again", async () => {
    const { nodes } = world();
    const t = new RepeatTracker(10_000);
    await ask(t, nodes, 1, 0, undefined);
    await ask(t, nodes, 1, 1_000, 7_000);
    await ask(t, nodes, 1, 9_000, 9_020);
    expect(t.check()).toBeUndefined();
  });

  test("a question asked again after a reconcile with another peer is not judged", async () => {
    const { nodes } = world();
    const t = new RepeatTracker(10_000);
    await ask(t, nodes, 1, 0, 20);
    await ask(t, nodes, 1, 100, 120, 2);
    await ask(t, nodes, 1, 2_000, 2_020);
    expect(t.check()).toBeUndefined();
  });
});
