// Each seed bug, switched on, makes the convergence check fail; switched
// off, the same scenario converges. This is how we know the tests bite.
import { describe, expect, test } from "vitest";
import {
  equalCountDivergenceScenario,
  lateJoinerScenario,
  leapfrogScenario,
} from "./testing/scenarios.js";

const yieldToHost = () => new Promise<void>((r) => setImmediate(r));

describe("known-bad switches are caught by the convergence check", { timeout: 60_000 }, () => {
  test("timestamp watermark (B1): leapfrog over lost realtime batches", async () => {
    const good = await leapfrogScenario({ seed: 11, yieldToHost });
    expect(good.report.problems).toEqual([]);
    expect(good.cluster.invariantViolations).toEqual([]);
    good.cluster.close();
    const bad = await leapfrogScenario({
      seed: 11,
      yieldToHost,
      bugs: { timestampWatermark: true },
    });
    expect(bad.report.ok).toBe(false);
    expect(bad.report.problems.join("\n")).toMatch(/fingerprint|live count/);
    // The cursor passed missing seqs: the invariant broke mid-run, not just at the end.
    expect(bad.cluster.invariantViolations.length).toBeGreaterThan(0);
    bad.cluster.close();
  });

  test("count <-only validation (B2): equal-count divergence is never repaired", async () => {
    const good = await equalCountDivergenceScenario({ seed: 12, yieldToHost });
    expect(good.report.problems).toEqual([]);
    good.cluster.close();
    const bad = await equalCountDivergenceScenario({
      seed: 12,
      yieldToHost,
      bugs: { countLessThanOnly: true },
    });
    expect(bad.report.ok).toBe(false);
    expect(bad.report.problems.join("\n")).toMatch(/fingerprint/);
    bad.cluster.close();
  });

  test("missing watermark as max (B4): a late joiner never backfills", async () => {
    const good = await lateJoinerScenario({ seed: 13, yieldToHost });
    expect(good.report.problems).toEqual([]);
    good.cluster.close();
    const bad = await lateJoinerScenario({
      seed: 13,
      yieldToHost,
      bugs: { missingWatermarkAsMax: true },
    });
    expect(bad.report.ok).toBe(false);
    expect(bad.report.problems.join("\n")).toMatch(/no cursor/);
    bad.cluster.close();
  });

  test("symmetric recovery (B6): pushing repairs cannot fix a divergence", async () => {
    const good = await equalCountDivergenceScenario({ seed: 14, yieldToHost });
    expect(good.report.problems).toEqual([]);
    good.cluster.close();
    const bad = await equalCountDivergenceScenario({
      seed: 14,
      yieldToHost,
      bugs: { symmetricRecovery: true },
    });
    expect(bad.report.ok).toBe(false);
    bad.cluster.close();
  });
});
