// Each seed bug, injected as a known-bad variant, makes the convergence
// check fail; without it, the same scenario converges. This is how we know
// the tests bite (moved from packages/engine/src/replica.known-bad.test.ts;
// the variants are now injected strategies, not switches in the engine).
import { describe, expect, test } from "vitest";
import {
  equalCountDivergenceScenario,
  lateJoinerScenario,
  leapfrogScenario,
} from "../../src/harness/seed-scenarios.js";
import { adapter } from "./setup.js";

describe("known-bad variants are caught by the convergence check", { timeout: 60_000 }, () => {
  // Checked 5 s after the chaos, before any push timeout. Pushes stuck
  // behind dropped in-flight calls start an exchange after a second
  // (outbox STALLED_PUSH_EXCHANGE_MS), so the good engine converges in time
  // on every seed, and that exchange's fingerprint check can also repair
  // what B1 skipped by the end (seed 12 does): B1 is caught where it
  // happens, the cursor passing missing seqs mid-run (the invariant), and
  // by the convergence check on a seed with no stall (5).
  test("timestamp watermark (B1): leapfrog over lost realtime batches", async () => {
    const good = await leapfrogScenario({ adapter, seed: 12 });
    expect(good.report.problems).toEqual([]);
    expect(good.cluster.invariantViolations).toEqual([]);
    good.cluster.close();
    const bad = await leapfrogScenario({ adapter, seed: 12, variant: "timestampWatermark" });
    // The cursor passed missing seqs: the invariant broke mid-run.
    expect(bad.cluster.invariantViolations.length).toBeGreaterThan(0);
    bad.cluster.close();
    const unhealed = await leapfrogScenario({ adapter, seed: 5, variant: "timestampWatermark" });
    expect(unhealed.report.ok).toBe(false);
    expect(unhealed.report.problems.join("\n")).toMatch(/cursors-contiguous|streams-agree/);
    expect(unhealed.cluster.invariantViolations.length).toBeGreaterThan(0);
    unhealed.cluster.close();
  });

  test("pushes stuck behind dropped ones: the leapfrog converges in time on seeds 11 and 19", async () => {
    for (const seed of [11, 19]) {
      const r = await leapfrogScenario({ adapter, seed });
      expect(r.report.problems).toEqual([]);
      r.cluster.close();
    }
  });

  test("count <-only validation (B2): equal-count divergence is never repaired", async () => {
    const good = await equalCountDivergenceScenario({ adapter, seed: 12 });
    expect(good.report.problems).toEqual([]);
    good.cluster.close();
    const bad = await equalCountDivergenceScenario({
      adapter,
      seed: 12,
      variant: "countLessThanOnly",
    });
    expect(bad.report.ok).toBe(false);
    expect(bad.report.problems.join("\n")).toMatch(/streams-agree|identical-state/);
    bad.cluster.close();
  });

  test("missing watermark as max (B4): a late joiner never backfills", async () => {
    const good = await lateJoinerScenario({ adapter, seed: 13 });
    expect(good.report.problems).toEqual([]);
    good.cluster.close();
    const bad = await lateJoinerScenario({ adapter, seed: 13, variant: "missingWatermarkAsMax" });
    expect(bad.report.ok).toBe(false);
    expect(bad.report.problems.join("\n")).toMatch(/cursors-at-head.*absent|cursor=none/);
    bad.cluster.close();
  });

  test("symmetric recovery (B6): pushing repairs cannot fix a divergence", async () => {
    const good = await equalCountDivergenceScenario({ adapter, seed: 14 });
    expect(good.report.problems).toEqual([]);
    good.cluster.close();
    const bad = await equalCountDivergenceScenario({
      adapter,
      seed: 14,
      variant: "symmetricRecovery",
    });
    expect(bad.report.ok).toBe(false);
    bad.cluster.close();
  });

  test("ownership filter empty (B3): a late joiner's pulls move no rows, and it never gets them", async () => {
    const good = await lateJoinerScenario({ adapter, seed: 15 });
    expect(good.report.problems).toEqual([]);
    expect(good.cluster.invariantViolations).toEqual([]);
    good.cluster.close();
    const bad = await lateJoinerScenario({ adapter, seed: 15, variant: "ownershipFilterEmpty" });
    // The seed's cursor jump is gone: a pull that brings nothing of a stream
    // never held creates no cursor (issue 14, no state from claims). The
    // late joiner still lacks every row, and the convergence check says so.
    expect(bad.report.ok).toBe(false);
    expect(bad.report.problems.join("\n")).toMatch(/streams-agree/);
    expect(bad.cluster.invariantViolations.join("\n")).not.toMatch(/cursors-contiguous/);
    bad.cluster.close();
  });
});
