// Slips of the outbox behind pushes that hang (lost on the wire), planted
// by patching the outbox's methods from test code, each caught by
// realtime-stall-at-rest or pushes-in-flight: no bound on the pushes in
// flight, no exchange when a backlog stalls, a backlog dropped past
// pendingBufferMax without the exchange that replaces it. Pulls alone
// still converge; the engine's own outbox passes the same scenarios.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

type Slip = "unbounded" | "no-stall-exchange" | "silent-drop";
type Proto = Record<string, (this: Proto, ...args: unknown[]) => void>;

const planted = vi.hoisted(() => ({ slip: undefined as string | undefined }));

vi.mock("../../../../engine/src/sync/outbox.ts", async (original) => {
  const real = (await original()) as { Outbox: { prototype: Proto } };
  const proto = real.Outbox.prototype;
  const { send, watchStall, dropBacklog } = proto as Required<
    Pick<Proto, "send" | "watchStall" | "dropBacklog">
  >;
  proto.send = function (this: Proto, peer: unknown, batches: unknown) {
    if (planted.slip === "unbounded") return this.dispatch?.(peer, batches);
    send.call(this, peer, batches);
  };
  proto.watchStall = function (this: Proto, peer: unknown, flow: unknown) {
    if (planted.slip !== "no-stall-exchange") watchStall.call(this, peer, flow);
  };
  proto.dropBacklog = function (this: Proto, peer: unknown, extra: unknown) {
    if (planted.slip !== "silent-drop") return dropBacklog.call(this, peer, extra);
    // The backlog is released and emptied, but no exchange replaces it.
    const flow = this.flow?.(peer) as unknown as { backlog: { release(): void }[] };
    for (const item of flow.backlog) item.release();
    flow.backlog = [];
    (flow as unknown as { backlogChanges: number }).backlogChanges = 0;
  };
  return real;
});

async function run(slip: Slip | undefined, scenario: string) {
  planted.slip = slip;
  try {
    return await runNamedWith(tidemarkEngine, scenario, { seed: 3, scale: 0.003 });
  } finally {
    planted.slip = undefined;
  }
}

describe("realtime pushes that hang", () => {
  test("the engine's own outbox passes", async () => {
    for (const scenario of ["leapfrog", "realtime-churn"]) {
      const r = await run(undefined, scenario);
      expect(r.failure).toBeUndefined();
    }
  }, 120_000);

  test("pushes without an in-flight bound fail pushes-in-flight", async () => {
    const r = await run("unbounded", "leapfrog");
    expect(r.failure?.property).toBe("pushes-in-flight");
  }, 120_000);

  test("a stalled backlog with no exchange fails realtime-stall-at-rest", async () => {
    const r = await run("no-stall-exchange", "leapfrog");
    expect(r.failure?.property).toBe("realtime-stall-at-rest");
    expect(r.failure?.detail).toContain("while every push hung");
  }, 120_000);

  test("a backlog dropped past pendingBufferMax with no exchange fails realtime-stall-at-rest", async () => {
    const r = await run("silent-drop", "realtime-churn");
    expect(r.failure?.property).toBe("realtime-stall-at-rest");
    expect(r.failure?.detail).toContain("not replaced by an exchange");
  }, 120_000);
});
