// Named scenarios from the seed report, scaled down, each returning the
// cluster (still open) and its convergence report. The engine's tests run
// them with and without the known-bad switches; the simulator may reuse them.
import type { BugSwitches, SyncConfig } from "../replica-api.js";
import { Cluster } from "./cluster.js";
import type { ConvergenceReport } from "./convergence.js";
import { claimOriginHead } from "./corrupt.js";
import type { MessageInfo } from "./memory-network.js";
import { TreeIndexer } from "./workload.js";

export type ScenarioOptions = {
  readonly seed: number;
  readonly yieldToHost: () => Promise<void>;
  /** Bug switches for every replica. */
  readonly bugs?: BugSwitches;
  readonly config?: Partial<SyncConfig>;
};

export type ScenarioResult = { readonly cluster: Cluster; readonly report: ConvergenceReport };

/**
 * B1, the seed's leapfrog: two devices index concurrently while realtime
 * batches are delayed (reordered) and some are lost; then a final, reliably
 * delivered commit each. Checked a few seconds later — well before any
 * periodic exchange or push timeout — so only realtime gap detection can
 * have repaired the losses.
 */
export async function leapfrogScenario(
  o: ScenarioOptions & { rounds?: number; perRound?: number },
): Promise<ScenarioResult> {
  const c = new Cluster({
    seed: o.seed,
    yieldToHost: o.yieldToHost,
    config: { requestTimeoutMs: 60_000, periodicExchangeMs: 600_000, ...o.config },
    watchInvariant: true,
  });
  const bugs = o.bugs === undefined ? {} : { bugs: o.bugs };
  const a = c.open(0, bugs);
  const b = c.open(1, bugs);
  const ia = new TreeIndexer(a, c.random, () => c.time.now());
  const ib = new TreeIndexer(b, c.random, () => c.time.now());
  ia.init("a");
  ib.init("b");
  c.connectAll();
  await c.settle();
  let chaos = true;
  c.net.policy = (m: MessageInfo) =>
    chaos && m.method === "pushChanges" && m.kind === "request"
      ? { delayMs: c.random.int(1, 400), drop: c.random.chance(0.15) }
      : undefined;
  for (let round = 0; round < (o.rounds ?? 15); round++) {
    ia.index(o.perRound ?? 20, 10);
    ib.index(o.perRound ?? 20, 10);
    await c.run(c.random.int(10, 60));
  }
  await c.run(1_000);
  chaos = false;
  ia.index(5);
  ib.index(5);
  await c.run(5_000);
  return { cluster: c, report: c.convergence() };
}

/**
 * B2: equal counts, different content at equal cursors. B misses a rename,
 * a delete and an insert (its pull "finished" without them, as a leapfrog
 * or the seed's empty ownership query would leave it), so its live count
 * still equals A's.
 */
export async function equalCountDivergenceScenario(
  o: ScenarioOptions,
): Promise<ScenarioResult & { missing: number }> {
  const c = new Cluster({
    seed: o.seed,
    yieldToHost: o.yieldToHost,
    ...(o.config === undefined ? {} : { config: o.config }),
  });
  const bugs = o.bugs === undefined ? {} : { bugs: o.bugs };
  const a = c.open(0, bugs);
  const b = c.open(1, bugs);
  const ia = new TreeIndexer(a, c.random, () => c.time.now());
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
  return { cluster: c, report: c.convergence(), missing: 3 };
}

/**
 * B4: a fresh device joins a library that already has data; with "no
 * cursor" read as "infinitely ahead" it never pulls.
 */
export async function lateJoinerScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const c = new Cluster({
    seed: o.seed,
    yieldToHost: o.yieldToHost,
    ...(o.config === undefined ? {} : { config: o.config }),
  });
  const bugs = o.bugs === undefined ? {} : { bugs: o.bugs };
  const a = c.open(0, bugs);
  const ia = new TreeIndexer(a, c.random, () => c.time.now());
  ia.init("a");
  ia.index(300);
  ia.tagFiles(5);
  c.open(1, bugs);
  c.connectAll();
  await c.settle();
  ia.index(20);
  await c.settle();
  await c.run(5_000);
  return { cluster: c, report: c.convergence() };
}
