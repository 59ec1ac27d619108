// Convergence under realtime faults and repair of silent divergence.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test as ftest } from "@fast-check/vitest";
import { Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { Cluster, deviceIdOf } from "./testing/cluster.js";
import { equalCountDivergenceScenario, leapfrogScenario } from "./testing/scenarios.js";
import { TreeIndexer } from "./testing/workload.js";

const yieldToHost = () => new Promise<void>((r) => setImmediate(r));

describe("convergence", { timeout: 60_000 }, () => {
  test("leapfrog-reordered-delivery: concurrent indexing with reordered, lossy realtime converges via gap pulls", async () => {
    const { cluster: c, report } = await leapfrogScenario({ seed: 31, yieldToHost });
    expect(report.problems).toEqual([]);
    const gaps = [...c.replicas.values()].reduce(
      (n, r) => n + r.metricsRegistry.sum("tidemark_gap_events_total"),
      0,
    );
    expect(gaps).toBeGreaterThan(0);
    expect(c.logger.find("realtime-gap").length).toBe(gaps);
    c.close();
  });

  test("three devices index concurrently with reorder and duplicates and converge", async () => {
    const c = new Cluster({
      seed: 32,
      yieldToHost,
      faults: { minDelayMs: 1, maxDelayMs: 250, duplicateRate: 0.2 },
      watchInvariant: true,
    });
    const ix = [0, 1, 2].map((i) => new TreeIndexer(c.open(i), c.random, () => c.time.now()));
    for (const [i, x] of ix.entries()) x.init(`v${i}`);
    c.connectAll();
    for (let round = 0; round < 10; round++) {
      for (const x of ix) {
        x.index(15, 5);
        if (round % 3 === 0) x.tagFiles(1);
        if (round % 4 === 1) x.rename(2);
      }
      await c.run(c.random.int(5, 80));
    }
    await c.settle();
    await c.run(2_000);
    expect(c.convergence().problems).toEqual([]);
    expect(c.invariantViolations).toEqual([]);
    c.close();
  });

  test("equal-count, different-content divergence is found by fingerprint and repaired by reconcile", async () => {
    const {
      cluster: c,
      report,
      missing,
    } = await equalCountDivergenceScenario({ seed: 33, yieldToHost });
    expect(report.problems).toEqual([]);
    const b = c.get(1);
    const entries = `${deviceIdOf(0)}/${Resource.ENTRY}`;
    expect(b.metricsRegistry.sum("tidemark_reconciles_total", { stream: entries })).toBe(1);
    // Exactly the differing rows moved: the rename, the tombstone and the new row.
    expect(b.metricsRegistry.sum("tidemark_records_in_total", { stream: entries })).toBe(
      200 + 1 + missing,
    );
    const decisions = c.logger.find("sync-decision", {
      device: b.deviceId,
      stream: entries,
      decision: "reconcile",
    });
    expect(decisions[0]?.fields.reason).toBe("fingerprint-mismatch");
    expect(c.logger.events.filter((e) => e.level === "error")).toEqual([]);
    c.close();
  });
});

describe("chaos", { timeout: 120_000 }, () => {
  ftest.prop([fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 3 })(
    "three devices with loss, duplicates, a partition and a crash/restart converge after healing",
    async (seed) => {
      const dir = mkdtempSync(join(tmpdir(), "tidemark-chaos-"));
      const c = new Cluster({
        seed,
        yieldToHost,
        faults: { minDelayMs: 1, maxDelayMs: 200, duplicateRate: 0.1, dropRate: 0.03 },
        config: { pruneTombstones: seed % 2 === 0 },
        watchInvariant: true,
      });
      try {
        const file = (i: number) => ({ file: join(dir, `n${i}.db`) });
        const ix = [0, 1, 2].map(
          (i) => new TreeIndexer(c.open(i, file(i)), c.random, () => c.time.now()),
        );
        for (const [i, x] of ix.entries()) x.init(`v${i}`);
        c.connectAll();
        for (let round = 0; round < 12; round++) {
          for (const [i, x] of ix.entries()) {
            if (!c.replicas.has(deviceIdOf(i))) continue;
            x.index(10, 5);
            if (round % 3 === 0) x.tagFiles(1);
            if (round % 4 === 1) x.rename(2);
            if (round % 5 === 2) x.deleteFiles(2);
          }
          if (round === 3) c.disconnect(0, 2);
          if (round === 5) c.crash(1);
          if (round === 8) {
            const again = new TreeIndexer(c.open(1, file(1)), c.random, () => c.time.now());
            again.init("again");
            ix[1] = again;
            c.connect(0, 1);
            c.connect(1, 2);
          }
          if (round === 9) c.connect(0, 2);
          await c.run(c.random.int(5, 2_000));
        }
        c.net.faults.dropRate = 0;
        c.net.faults.duplicateRate = 0;
        await c.run(200_000);
        await c.settle();
        expect(c.convergence().problems).toEqual([]);
        expect(c.invariantViolations).toEqual([]);
        expect(c.logger.events.filter((e) => e.level === "error")).toEqual([]);
      } finally {
        c.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
