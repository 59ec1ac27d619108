// Worker threads must not change a seed's verdict: the same seed gives the
// same property and the same trace hash on one worker, on two, and in the
// calling thread; and every worker thread the pool starts has exited when
// it resolves, finished or aborted.
import { describe, expect, test } from "vitest";
import { engine } from "../test-support.js";
import { runPool } from "./pool.js";
import { runSeed, type SeedVerdict, type SoakPlan } from "./run-seed.js";

const plan: SoakPlan = { seed: 5, runs: 6, size: "small", variant: "timestampWatermark" };
const verdictKey = (v: SeedVerdict) => `${v.index} ${v.ok} ${v.property ?? ""} ${v.traceHash}`;

async function pooled(workers: number, indices: number[]) {
  const seen: SeedVerdict[] = [];
  const outcome = await runPool({ plan, workers, indices, onVerdict: (v) => seen.push(v) });
  return { outcome, keys: seen.sort((a, b) => a.index - b.index).map(verdictKey) };
}

describe("soak worker pool", () => {
  test("a seed gives the same verdict and trace on any worker and in-process", async () => {
    const indices = [2, 3, 4, 5];
    const one = await pooled(1, indices);
    const two = await pooled(2, indices);
    expect(two.keys).toEqual(one.keys);
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
