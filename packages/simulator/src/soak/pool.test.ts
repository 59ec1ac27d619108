// Worker processes must not change a seed's verdict: the same seed gives
// the same property and the same trace hash on one worker, on two, in
// either V8 mode, and in the calling process; and every worker process the
// pool starts has exited when it resolves, finished or aborted.
import { describe, expect, test } from "vitest";
import { engine } from "../test-support.js";
import { runPool, type V8Mode, v8Mode } from "./pool.js";
import { runSeed, type SeedVerdict, type SoakPlan } from "./run-seed.js";

const plan: SoakPlan = { seed: 5, runs: 6, size: "small", variant: "timestampWatermark" };
const verdictKey = (v: SeedVerdict) => `${v.index} ${v.ok} ${v.property ?? ""} ${v.traceHash}`;

async function pooled(workers: number, indices: number[], v8?: V8Mode) {
  const seen: SeedVerdict[] = [];
  const outcome = await runPool({ plan, workers, indices, v8, onVerdict: (v) => seen.push(v) });
  return { outcome, keys: seen.sort((a, b) => a.index - b.index).map(verdictKey) };
}

describe("soak worker pool", () => {
  test("workers run V8 single-threaded only when they fill every core", () => {
    expect(v8Mode(1, 2)).toBe("background");
    expect(v8Mode(2, 2)).toBe("single-threaded");
    expect(v8Mode(3, 2)).toBe("single-threaded");
    expect(v8Mode(4, 8)).toBe("background");
  });

  test("a seed gives the same verdict and trace on any worker, in any V8 mode and in-process", async () => {
    const indices = [2, 3, 4, 5];
    const one = await pooled(1, indices, "background");
    const two = await pooled(2, indices, "single-threaded");
    expect(two.keys).toEqual(one.keys);
    expect([one.outcome.v8, two.outcome.v8]).toEqual(["background", "single-threaded"]);
    expect(one.outcome.workerCpuMs).toBeGreaterThan(0);
    expect(one.keys.some((k) => k.includes(" false "))).toBe(true);
    const adapter = await engine();
    const inProcess = await runSeed(adapter, plan, 4);
    expect(verdictKey(inProcess.verdict)).toBe(one.keys[2]);
    for (const o of [one.outcome, two.outcome]) {
      expect(o.stoppedBy).toBe("done");
      expect(o.exited).toBe(o.spawned);
    }
    expect(two.outcome.spawned).toBe(2);
  }, 300_000);

  test("an abort terminates every worker mid-seed and the pool resolves", async () => {
    const ac = new AbortController();
    const seen: SeedVerdict[] = [];
    const pending = runPool({
      plan: { ...plan, runs: 100, variant: undefined },
      workers: 2,
      indices: [...Array(100).keys()],
      signal: ac.signal,
      onVerdict: (v) => {
        seen.push(v);
        if (seen.length === 1) ac.abort();
      },
    });
    const outcome = await pending;
    expect(outcome.stoppedBy).toBe("signal");
    expect(outcome.exited).toBe(outcome.spawned);
    expect(seen.length).toBeLessThan(100);
  }, 300_000);

  test("no new seed starts after the deadline", async () => {
    const seen: SeedVerdict[] = [];
    const outcome = await runPool({
      plan,
      workers: 2,
      indices: [...Array(6).keys()],
      deadline: performance.now(),
      onVerdict: (v) => seen.push(v),
    });
    expect(outcome.stoppedBy).toBe("time");
    expect(seen).toEqual([]);
    expect(outcome.exited).toBe(outcome.spawned);
  }, 120_000);
});
