// The seed report's scenarios, scaled down, for the engine's replica tests:
// each returns the cluster (still open) and its convergence report. The
// known-bad tests run them with a variant injected.
import type { TidemarkReplica } from "@tidemark/engine";
import type { EngineAdapter, EngineConfig } from "../probe/probe.js";
import { type ConvergenceReport, type MessageInfo, TestCluster } from "./cluster.js";
import { claimOriginHead } from "./engine-faults.js";
import { TreeIndexer } from "./tree-indexer.js";

export type SeedScenarioOptions = {
  readonly adapter: EngineAdapter<TidemarkReplica>;
  readonly seed: number;
  /** A known-bad variant every device runs. */
  readonly variant?: string;
  readonly config?: EngineConfig;
};

export type SeedScenarioResult = {
  readonly cluster: TestCluster;
  readonly report: ConvergenceReport;
};

const variantOf = (o: SeedScenarioOptions) =>
  o.variant === undefined ? {} : { variant: o.variant };

/**
 * B1, the seed's leapfrog: two devices index concurrently while realtime
 * batches are delayed (reordered) and some are lost; then a final, reliably
 * delivered commit each. Checked a few seconds later — well before any
 * periodic exchange or push timeout — so only realtime gap detection can
 * have repaired the losses.
 */
export async function leapfrogScenario(
  o: SeedScenarioOptions & { rounds?: number; perRound?: number },
): Promise<SeedScenarioResult> {
  const c = new TestCluster({
    adapter: o.adapter,
    seed: o.seed,
    config: { requestTimeoutMs: 60_000, periodicExchangeMs: 600_000, ...o.config },
    watchInvariant: true,
  });
  await c.open(0, variantOf(o));
  await c.open(1, variantOf(o));
  const ia = new TreeIndexer(c, 0);
  const ib = new TreeIndexer(c, 1);
  ia.init("a");
  ib.init("b");
  c.connectAll();
  await c.settle();
  let chaos = true;
  c.policy = (m: MessageInfo) =>
    chaos && m.method === "pushChanges" && m.kind === "request"
      ? { delayMs: 1 + c.random.int(400), drop: c.random.chance(0.15) }
      : undefined;
  for (let round = 0; round < (o.rounds ?? 15); round++) {
    ia.index(o.perRound ?? 20, 10);
    ib.index(o.perRound ?? 20, 10);
    await c.run(10 + c.random.int(50));
  }
  await c.run(1_000);
  chaos = false;
  ia.index(5);
  ib.index(5);
  await c.run(5_000);
  return { cluster: c, report: await c.convergence() };
}

/**
 * B2: equal counts, different content at equal cursors. B misses a rename,
 * a delete and an insert (its pull "finished" without them, as a leapfrog
 * or the seed's empty ownership query would leave it), so its live count
 * still equals A's.
 */
export async function equalCountDivergenceScenario(
  o: SeedScenarioOptions,
): Promise<SeedScenarioResult & { missing: number }> {
  const c = new TestCluster({
    adapter: o.adapter,
    seed: o.seed,
    ...(o.config === undefined ? {} : { config: o.config }),
  });
  const a = await c.open(0, variantOf(o));
  const b = await c.open(1, variantOf(o));
  const ia = new TreeIndexer(c, 0);
  ia.init("a");
  ia.index(200);
  c.connectAll();
  await c.settle();
  c.disconnect(0, 1);
  ia.rename(1);
  ia.deleteFiles(1);
  ia.index(1);
  await c.settle();
  // Corrupt B: its cursor jumps to A's head without the three changes.
  claimOriginHead(a, b);
  c.connect(0, 1);
  await c.settle();
  await c.run(5_000);
  return { cluster: c, report: await c.convergence(), missing: 3 };
}

/**
 * B4: a fresh device joins a library that already has data; with "no
 * cursor" read as "infinitely ahead" it never pulls.
 */
export async function lateJoinerScenario(o: SeedScenarioOptions): Promise<SeedScenarioResult> {
  const c = new TestCluster({
    adapter: o.adapter,
    seed: o.seed,
    watchInvariant: true,
    ...(o.config === undefined ? {} : { config: o.config }),
  });
  await c.open(0, variantOf(o));
  const ia = new TreeIndexer(c, 0);
  ia.init("a");
  ia.index(300);
  ia.tagFiles(5);
  await c.open(1, variantOf(o));
  c.connectAll();
  await c.settle();
  ia.index(20);
  await c.settle();
  await c.run(5_000);
  return { cluster: c, report: await c.convergence() };
}
