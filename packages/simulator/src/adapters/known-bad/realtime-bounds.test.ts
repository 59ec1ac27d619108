// Planted slips in the realtime buffer's byte bounds (PROTOCOL §11),
// injected by this test through a module mock of the inbox (never a switch
// in the engine): the byte bounds ignored, and held bytes never counted
// (the bound then never binds and the exported byte gauge reads 0 while
// changes are held). Either way the run converges — a dropped or held
// batch is pulled later — so only buffers-bounded, judging the exported
// gauges at every sample, sees them. The real inbox passes both scenarios.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The inbox's shapes (a type import would pull engine sources into this program).
type Bounds = Record<string, unknown>;
type Inbox = {
  ctx: { bounds: Bounds };
  hold(...args: unknown[]): unknown;
  account(peer: string, delta: number): void;
};
type InboxClass = { prototype: Inbox };

const planted = vi.hoisted(() => ({
  slip: "none" as "none" | "bytes-unbounded" | "bytes-uncounted",
}));

vi.mock("../../../../engine/src/sync/inbox.ts", async (original) => {
  const real = (await original()) as { Inbox: InboxClass };
  const proto = real.Inbox.prototype;
  const { hold, account } = proto;
  proto.hold = function (this: Inbox, ...args) {
    if (planted.slip !== "bytes-unbounded") return hold.apply(this, args);
    const bounds = this.ctx.bounds;
    this.ctx.bounds = { ...bounds, heldRealtimeBytesPerPeer: 1e12, heldRealtimeBytes: 1e12 };
    try {
      return hold.apply(this, args);
    } finally {
      this.ctx.bounds = bounds;
    }
  };
  proto.account = function (this: Inbox, peer, delta) {
    if (planted.slip !== "bytes-uncounted") account.call(this, peer, delta);
  };
  return real;
});

async function run(slip: typeof planted.slip, name: string) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, name, { seed: 3, scale: 0.003 });
}

describe("realtime byte bounds an honest receiver keeps", () => {
  test("the engine's own inbox keeps its bounds and gauges in both scenarios", async () => {
    expect((await run("none", "realtime-bytes-per-peer")).failure).toBeUndefined();
    expect((await run("none", "realtime-pending-bound")).failure).toBeUndefined();
  }, 120_000);

  test("realtime bytes held past the per-peer bound fail buffers-bounded", async () => {
    const r = await run("bytes-unbounded", "realtime-bytes-per-peer");
    expect(r.failure?.property).toBe("buffers-bounded");
    expect(r.failure?.detail).toContain("> bound 1000");
  }, 120_000);

  test("held changes with no held bytes exported fail buffers-bounded", async () => {
    const r = await run("bytes-uncounted", "realtime-pending-bound");
    expect(r.failure?.property).toBe("buffers-bounded");
    expect(r.failure?.detail).toContain("disagreed");
  }, 120_000);
});
