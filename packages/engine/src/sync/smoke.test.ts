import { describe, expect, test } from "vitest";
import { Cluster } from "../testing/cluster.js";
import { TreeIndexer } from "../testing/workload.js";

const yieldToHost = () => new Promise<void>((r) => setImmediate(r));

describe("smoke", () => {
  test("two replicas: B backfills A's index and follows realtime", async () => {
    const c = new Cluster({ seed: 1, yieldToHost });
    const a = c.open(0);
    c.open(1);
    const ix = new TreeIndexer(a, c.random, () => c.time.now());
    ix.init();
    ix.index(300);
    c.connectAll();
    await c.settle();
    let report = c.convergence();
    if (!report.ok)
      console.log(report.problems, c.logger.events.filter((e) => e.level !== "debug").slice(0, 40));
    expect(report.ok).toBe(true);
    ix.index(250, 50);
    ix.tagFiles(5);
    await c.settle();
    report = c.convergence();
    expect(report.problems).toEqual([]);
    c.close();
  });
});
