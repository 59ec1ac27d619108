// A planted slip in the engine's HLC receive rule: when our clock is
// already ahead of the remote's (max = our ms), the branch that keeps our
// counter is skipped, so the merge falls through to counter 0 and the
// clock steps back within its millisecond. Injected by this test through
// a module mock, never a switch in the engine. hlc-monotone catches it in
// clock-ahead-receiver: the clock read between instants went back, or the
// device's next write carries an HLC not past one it wrote before.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine module's own signatures (a type import would pull engine sources into this program).
type Hlc = {
  hlcReceive: (prev: bigint, remote: bigint, nowMs: number, maxOffsetMs: number) => bigint;
  hlcMs: (hlc: bigint) => number;
  hlcPack: (ms: number, counter: number) => bigint;
};

const planted = vi.hoisted(() => ({ on: false }));

vi.mock("../../../../engine/src/hlc/hlc.ts", async (original) => {
  const real = (await original()) as Hlc;
  return {
    ...real,
    hlcReceive: (prev: bigint, remote: bigint, nowMs: number, maxOffsetMs: number) => {
      const next = real.hlcReceive(prev, remote, nowMs, maxOffsetMs);
      const lm = real.hlcMs(prev);
      const m = Math.max(lm, real.hlcMs(remote), Math.floor(nowMs));
      if (!planted.on || m !== lm || m === real.hlcMs(remote) || m === 0) return next;
      return real.hlcPack(m, 0);
    },
  };
});

async function run(on: boolean) {
  planted.on = on;
  return runNamedWith(tidemarkEngine, "clock-ahead-receiver", { seed: 3, scale: 0.003 });
}

describe("a receive rule that drops our counter when our clock is ahead", () => {
  test("the engine's own rule passes clock-ahead-receiver", async () => {
    expect((await run(false)).failure).toBeUndefined();
  }, 120_000);

  test("fails hlc-monotone", async () => {
    const r = await run(true);
    expect(r.failure?.property).toBe("hlc-monotone");
    expect(r.failure?.detail).toMatch(/HLC went back|not past the hlc/);
  }, 120_000);
});
