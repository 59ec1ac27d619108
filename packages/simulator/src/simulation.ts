// One run: build the world, play the scenario's steps during the chaos
// phase, heal (faults off, links up, clocks fixed, every member restarted
// and reconnected), run until the properties hold or the heal bound passes,
// then check every property. Deterministic: no wall clock reaches the run.
import { performance } from "node:perf_hooks";
import { applyStep } from "./faults/apply-step.js";
import type { SimNode } from "./node.js";
import type { EngineAdapter } from "./probe/probe.js";
import {
  checkProperties,
  type NodeView,
  type PropertyFailure,
  snapshotNode,
  type WatermarkView,
  type World,
} from "./properties/index.js";
import { reapplyIsNoop } from "./properties/reapply.js";
import { cursorsAtHeadOn, streamsAgreeOn } from "./properties/streams.js";
import { lateJoiners, normalizeScenario, type Scenario } from "./scenario.js";
import { WEATHER } from "./weather.js";
import { SimWorld } from "./world.js";

export type RunOptions = {
  readonly adapter: EngineAdapter;
  /** Keep the JSONL trace and records (for --trace / --html). */
  readonly keepTrace?: boolean;
  /** Keep the engines' logs as pino JSON lines (for --log). */
  readonly keepLogs?: boolean;
  /** Progress callback for long runs (virtual ms, events). */
  readonly onProgress?: (virtualMs: number, events: number) => void;
  /**
   * Run to the end after a safety violation (it is still the run's
   * failure): the logs then show what the engine did next, e.g. a repair.
   */
  readonly keepGoing?: boolean;
};

export type RunResult = {
  readonly scenario: Scenario;
  readonly ok: boolean;
  readonly converged: boolean;
  /** Virtual ms from the start of healing until the streams agreed, if they did. */
  readonly convergeMs: number | undefined;
  readonly failure: PropertyFailure | undefined;
  readonly events: number;
  readonly virtualMs: number;
  readonly wallMs: number;
  readonly eventsPerSec: number;
  readonly messages: number;
  readonly bytes: number;
  readonly commits: number;
  readonly changes: number;
  readonly traceHash: string;
  readonly traceRecords: number;
  readonly traceLines: readonly string[];
  readonly world: SimWorld;
  readonly logText: string;
  /** Each device's engine metrics at the end (before disposal); undefined if down. */
  readonly metrics: readonly (Readonly<Record<string, number>> | undefined)[];
};

const SAMPLE_MS = 1_000;
const CONVERGE_CHECK_MS = 250;
const MAX_EVENTS = 20_000_000;

async function watermarkViews(nodes: readonly SimNode[]): Promise<WatermarkView[]> {
  const out: WatermarkView[] = [];
  for (const n of nodes) {
    if (n.replica === undefined) continue;
    out.push({
      index: n.index,
      deviceId: n.deviceId,
      watermarks: await n.replica.probe.watermarks(),
    });
  }
  return out;
}

async function nodeViews(nodes: readonly SimNode[]): Promise<NodeView[]> {
  const out: NodeView[] = [];
  for (const n of nodes) {
    if (n.replica !== undefined) out.push(await snapshotNode(n.index, n.deviceId, n.replica.probe));
  }
  return out;
}

export async function runScenario(input: Scenario, opts: RunOptions): Promise<RunResult> {
  const scenario = normalizeScenario(input);
  const world = new SimWorld(scenario, {
    adapter: opts.adapter,
    keepTrace: opts.keepTrace ?? false,
    keepLogs: opts.keepLogs ?? false,
  });
  const { sched } = world;
  const wall0 = performance.now();
  const stepErrors: unknown[] = [];
  world.emit("phase", {
    name: "chaos",
    devices: scenario.devices,
    seed: scenario.seed,
    scenario: scenario.name,
  });

  const late = lateJoiners(scenario);
  for (let i = 0; i < scenario.devices; i++) if (!late.has(i)) await world.startNode(i);
  scenario.steps.forEach((step, index) => {
    sched.at(step.at, () => {
      applyStep(world, step, index).catch((err: unknown) => stepErrors.push(err));
    });
  });

  const safety = world.safety;
  let safetyFailure: PropertyFailure | undefined;
  const peaks = new Map<string, number>();
  const sample = async () => {
    for (const n of world.liveMembers()) {
      const g = await n.replica?.probe.gauges();
      if (g === undefined) continue;
      for (const [k, v] of Object.entries(g)) peaks.set(k, Math.max(peaks.get(k) ?? 0, v));
    }
  };
  const noteSafety = (f: PropertyFailure | undefined) => {
    if (f === undefined || safetyFailure !== undefined) return;
    safetyFailure = f;
    world.emit("safety", { property: f.property, detail: f.detail.slice(0, 300) });
  };
  // Checks run after an instant, once every continuation settled: a check
  // that ran as an event would interleave with workloads mid-commit and
  // read a replica's watermarks and rows at two different moments.
  let sampleDue = false;
  const tick = () => {
    sampleDue = true;
    sched.after(SAMPLE_MS, tick);
  };
  sched.after(SAMPLE_MS, tick);
  const afterInstant = async () => {
    noteSafety(await safety.onInstant(world.liveMembers()));
    if (!sampleDue) return;
    sampleDue = false;
    await sample();
    opts.onProgress?.(sched.now, sched.eventsRun);
    noteSafety(await safety.sample(world.liveMembers()));
  };

  // A safety violation ends the run at once (shorter traces, faster shrinking).
  const progress = (until: number) =>
    sched.run({
      until,
      maxEvents: MAX_EVENTS,
      stop: () => safetyFailure !== undefined && opts.keepGoing !== true,
      afterInstant,
    });

  await progress(scenario.chaosMs);
  if (safetyFailure !== undefined && opts.keepGoing !== true)
    return finish(world, scenario, wall0, safetyFailure, undefined);

  // Heal: faults off.
  world.emit("phase", { name: "heal" });
  world.net.setProfileAll(WEATHER.calm);
  world.net.healAll();
  for (const n of world.nodes) n.clock.reset();
  const keepDown = new Set(scenario.keepDown ?? []);
  for (const n of world.nodes)
    if (n.member && !n.alive && !keepDown.has(n.index)) await world.startNode(n.index);
  world.conn.update();
  const healStart = sched.now;
  let convergeMs: number | undefined;
  let nextCheck = healStart;
  const healEnd = healStart + scenario.healMs;
  while (sched.now < healEnd && (safetyFailure === undefined || opts.keepGoing === true)) {
    // Fine-grained at first (convergence time resolution), coarser later.
    const elapsed = sched.now - healStart;
    const step = elapsed < 5_000 ? CONVERGE_CHECK_MS : elapsed < 60_000 ? 1_000 : 5_000;
    nextCheck = Math.min(healEnd, nextCheck + step);
    const why = await progress(nextCheck);
    const views = await watermarkViews(world.liveMembers());
    if (streamsAgreeOn(views) === undefined && cursorsAtHeadOn(views) === undefined) {
      convergeMs = sched.now - healStart;
      break;
    }
    if (why === "max-events" || why === "empty") break;
  }
  // Let in-flight work settle briefly so buffers drain before the final check.
  if (convergeMs !== undefined) await progress(sched.now + 2_000);
  await sample();
  world.emit("phase", { name: "check" });

  let failure: PropertyFailure | undefined =
    safetyFailure ?? (await safety.sample(world.liveMembers()));
  const errors = [...sched.takeErrors(), ...stepErrors];
  if (failure !== undefined) {
    // reported as is
  } else if (errors.length > 0) {
    failure = {
      property: "no-engine-errors",
      detail: `${errors.length} error(s) thrown by events; first: ${String(errors[0])}`,
    };
  } else {
    const view: World = {
      nodes: await nodeViews(world.liveMembers()),
      oracle: world.oracle,
      bufferPeaks: peaks,
      pendingBufferMax: Number(scenario.config?.pendingBufferMax ?? 10_000),
      allOriginsLive: world.nodes.every((n) => !n.everStarted || (n.alive && n.member)),
    };
    failure = checkProperties(view);
  }
  if (failure === undefined && convergeMs !== undefined) {
    // Re-applying what was already applied must change nothing.
    const re = await reapplyIsNoop(world.liveMembers(), world.servedPushes, async () => {
      await progress(sched.now + 2_000);
    });
    world.emit("reapply", { pushes: re.replayed });
    failure = re.failure;
  }
  return finish(world, scenario, wall0, failure, convergeMs);
}

async function finish(
  world: SimWorld,
  scenario: Scenario,
  wall0: number,
  failure: PropertyFailure | undefined,
  convergeMs: number | undefined,
): Promise<RunResult> {
  const { sched } = world;
  if (failure !== undefined) {
    world.emit("property", {
      ok: false,
      property: failure.property,
      detail: failure.detail.slice(0, 300),
    });
  } else {
    world.emit("property", { ok: true, convergeMs: convergeMs ?? -1 });
  }
  const wallMs = performance.now() - wall0;
  const traceHash = world.trace.finish();
  const metrics: (Readonly<Record<string, number>> | undefined)[] = [];
  for (const n of world.nodes) metrics.push(await n.replica?.probe.metrics());
  const result: RunResult = {
    scenario,
    ok: failure === undefined,
    converged: convergeMs !== undefined,
    convergeMs,
    failure,
    events: sched.eventsRun,
    virtualMs: sched.now,
    wallMs,
    eventsPerSec: wallMs > 0 ? (sched.eventsRun / wallMs) * 1000 : 0,
    messages: world.net.stats.messages,
    bytes: world.net.stats.bytes,
    commits: world.oracle.commits,
    changes: world.oracle.changes,
    traceHash,
    traceRecords: world.trace.count,
    traceLines: world.trace.lines(),
    world,
    logText: world.logs.text(),
    metrics,
  };
  for (const n of world.nodes) n.dispose(); // free timers and databases
  return result;
}
