// A replica that never notes realtime activity with a peer, planted by
// patching PeerSync from test code: its periodic exchanges go on while
// realtime is healthy. Nothing converges differently (an exchange too
// many changes no state); periodic-skipped-at-rest sees the cost.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

type Proto = Record<string, (this: Proto, ...args: unknown[]) => void>;

const planted = vi.hoisted(() => ({ on: false }));

vi.mock("../../../../engine/src/sync/peer-sync.ts", async (original) => {
  const real = (await original()) as { PeerSync: { prototype: Proto } };
  const proto = real.PeerSync.prototype;
  const { markRealtimeActivity } = proto as Required<Pick<Proto, "markRealtimeActivity">>;
  proto.markRealtimeActivity = function (this: Proto) {
    if (!planted.on) markRealtimeActivity.call(this);
  };
  return real;
});

async function run(on: boolean) {
  planted.on = on;
  try {
    return await runNamedWith(tidemarkEngine, "late-joiner", { seed: 3, scale: 0.003 });
  } finally {
    planted.on = false;
  }
}

describe("periodic exchanges during healthy realtime", () => {
  test("the engine skips them", async () => {
    expect((await run(false)).failure).toBeUndefined();
  }, 120_000);

  test("a replica that never notes realtime activity fails periodic-skipped-at-rest", async () => {
    const r = await run(true);
    expect(r.failure?.property).toBe("periodic-skipped-at-rest");
    expect(r.failure?.detail).toContain("ExchangeWatermarks sent");
  }, 120_000);
});
