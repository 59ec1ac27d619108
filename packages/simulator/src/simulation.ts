// One run: build the world, play the scenario's steps during the chaos
// phase, heal (faults off, the topology's links up, clocks fixed, liars
// honest, every member restarted and reconnected; heal-phase steps still
// play), run until the streams agree or the heal bound passes, then check
// every property. Deterministic: no wall clock reaches the run.
import { performance } from "node:perf_hooks";
import { HLC_MAX_OFFSET_MS, MAX_DEPENDENCY_ROWS } from "@tidemark/protocol";
import { applyStep } from "./faults/apply-step.js";
import {
  decisionsExplained,
  limitEventsNamePeer,
  logLevelsKnown,
  logRecordsNamed,
  realtimeLimitsReached,
  refusalsNameSource,
} from "./log-sink.js";
import type { SimNode } from "./node.js";
import type { EngineAdapter } from "./probe/probe.js";
import type { DependencyUsage } from "./probe/types.js";
import { dependencyBoundsOf, pendingBufferMaxOf, realtimeBoundsOf } from "./properties/buffers.js";
import { codedSymbolsAtRest } from "./properties/coded-symbols-rest.js";
import { cyclicMovesRefused } from "./properties/cyclic-moves.js";
import { errorLogsExplained } from "./properties/error-logs.js";
import { heldChangesAccounted } from "./properties/held-accounted.js";
import { freeOrigins, heldStreamsIsolated } from "./properties/held-isolation.js";
import { holdsClearedAtRest } from "./properties/holds-rest.js";
import {
  checkProperties,
  type NodeView,
  type PropertyFailure,
  snapshotNode,
  type WatermarkView,
} from "./properties/index.js";
import { lagAtRest, lagWhileBehind } from "./properties/lag.js";
import { librariesApart } from "./properties/libraries.js";
import { peerStatusAgrees, peersReadyAtRest } from "./properties/peer-status.js";
import { peerTransitionsDocumented } from "./properties/peer-transitions.js";
import { periodicMs, restMs } from "./properties/quiet.js";
import { realtimeGapsAtRest } from "./properties/realtime-gaps.js";
import { periodicSkippedAtRest } from "./properties/realtime-periodic.js";
import { realtimeAtRest } from "./properties/realtime-rest.js";
import { realtimeStallAtRest } from "./properties/realtime-stall.js";
import { reapplyIsNoop } from "./properties/reapply.js";
import { reconcileLibraryExact } from "./properties/reconcile-library.js";
import { reconcileRefusalsAtRest } from "./properties/reconcile-refusals.js";
import { reconcileAnswersAtRest } from "./properties/reconcile-rest.js";
import { recordsCounted } from "./properties/records-counted.js";
import { honestRefusals, type Unjudged, unjudgedDevices } from "./properties/refusals.js";
import { backoffPolicy } from "./properties/retry.js";
import { routineLogsQuiet } from "./properties/routine-logs.js";
import { cursorsAtHeadOn, streamsAgreeOn } from "./properties/streams.js";
import { timersAfterReconnect } from "./properties/timers-at-rest.js";
import {
  convergeBoundMs,
  convergedInTime,
  holdReleaseMs,
  type WorkCounter,
} from "./properties/work.js";
import { inboundOnly, lateJoiners, linked, normalizeScenario, type Scenario } from "./scenario.js";
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
  /** Virtual ms from the end of healing's own steps until the streams agreed, if they did. */
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
  /** Changes delivered to devices after healing began, and rows they lacked then. */
  readonly healWork: WorkCounter;
  readonly traceHash: string;
  readonly traceRecords: number;
  readonly traceLines: readonly string[];
  readonly world: SimWorld;
  readonly logText: string;
  /** Highest value each buffer gauge reached on any device, sampled once per virtual second. */
  readonly bufferPeaks: Readonly<Record<string, number>>;
  /** Each device's engine metrics at the end (before disposal); undefined if down. */
  readonly metrics: readonly (Readonly<Record<string, number>> | undefined)[];
};

/** What a run reports of its traffic and work (RunResult's figures). */
type Figures = Pick<
  RunResult,
  "messages" | "bytes" | "commits" | "changes" | "healWork" | "metrics"
>;

async function figuresOf(world: SimWorld): Promise<Figures> {
  const metrics: (Readonly<Record<string, number>> | undefined)[] = [];
  for (const n of world.nodes) metrics.push(await n.replica?.probe.metrics());
  return {
    messages: world.net.stats.messages,
    bytes: world.net.stats.bytes,
    commits: world.oracle.commits,
    changes: world.oracle.changes,
    healWork: { ...world.work.counter },
    metrics,
  };
}

const SAMPLE_MS = 1_000;
/** Samples between two reads of the refusal counters (honest-answers-accepted). */
const REFUSALS_EVERY = 5;
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

/** The state of one run while it plays: safety, buffer peaks, the driver. */
class Run {
  safetyFailure: PropertyFailure | undefined;
  /** Virtual ms at which convergence began to be timed (after the heal's own steps). */
  healFrom = 0;
  readonly peaks = new Map<string, number>();
  readonly stepErrors: unknown[] = [];
  /** The run's figures when the final checks began to write (they report the scenario, not the checks). */
  figures: Figures | undefined;
  private sampleDue = false;
  /** The dependency usage each node last reported (a probe may return the same object while unchanged). */
  private readonly heldSeen = new WeakMap<SimNode, DependencyUsage>();
  private samples = 0;
  /** Devices whose answers honest-answers-accepted does not (all) judge. */
  private readonly unjudged: Unjudged;

  constructor(
    readonly world: SimWorld,
    private readonly opts: RunOptions,
  ) {
    const tick = () => {
      this.sampleDue = true;
      world.sched.after(SAMPLE_MS, tick);
    };
    world.sched.after(SAMPLE_MS, tick);
    this.unjudged = unjudgedDevices(world.scenario);
  }

  get stopped(): boolean {
    return this.safetyFailure !== undefined && this.opts.keepGoing !== true;
  }

  note(f: PropertyFailure | undefined): void {
    if (f === undefined || this.safetyFailure !== undefined) return;
    this.safetyFailure = f;
    this.world.emit("safety", { property: f.property, detail: f.detail.slice(0, 300) });
  }

  async sample(): Promise<void> {
    for (const n of this.world.liveMembers()) await this.sampleGauges(n);
    // Refusals every REFUSALS_EVERY samples (reading every series costs):
    // counters only grow while a replica runs, and the last check reads them.
    if (++this.samples % REFUSALS_EVERY === 0) this.note(await this.refusals());
  }

  /** honest-answers-accepted over the live members now. */
  refusals(): Promise<PropertyFailure | undefined> {
    const { world } = this;
    return honestRefusals(world.liveMembers(), this.unjudged, world.scenario.devices);
  }

  private async sampleGauges(n: SimNode): Promise<void> {
    const g = await n.replica?.probe.gauges();
    if (g === undefined) return;
    for (const [k, v] of Object.entries(g)) this.peak(k, v);
  }

  /**
   * The dependency buffer after every instant (a held change may wait only
   * a round trip for its fetched parent: a once-a-second sample misses it),
   * and the gauges whenever what it holds changed while it holds something
   * (they must say what it holds then too, not only at the second's tick).
   */
  private async sampleHeld(): Promise<void> {
    for (const n of this.world.liveMembers()) {
      const u = await n.replica?.probe.dependencyUsage?.();
      if (u === undefined) continue;
      if (u.rows > 0 && this.heldSeen.get(n) !== u) await this.sampleGauges(n);
      this.heldSeen.set(n, u);
      this.peak("heldDependencies", u.rows);
      this.peak("heldDependencyBytes", u.bytes);
      this.peak("heldDependencyOriginRows", u.maxOriginRows);
      this.peak("heldDependencyOriginBytes", u.maxOriginBytes);
    }
  }

  private peak(key: string, v: number): void {
    this.peaks.set(key, Math.max(this.peaks.get(key) ?? 0, v));
  }

  // Checks run after an instant, once every continuation settled: a check
  // that ran as an event would interleave with workloads mid-commit and
  // read a replica's watermarks and rows at two different moments.
  private readonly afterInstant = async () => {
    const { world } = this;
    await world.chargeWork();
    await world.repairs.settle(world.nodes);
    await world.repeats.settle(world.nodes);
    await world.pullRepeats.settle(world.nodes);
    await world.answers.settle(world.nodes);
    this.note(world.answers.take());
    this.note(world.requests.take());
    this.note(world.helloFirst.check());
    this.note(world.exchangesSerial.check());
    this.note(await world.safety.onInstant(world.liveMembers()));
    await this.sampleHeld();
    if (!this.sampleDue) return;
    this.sampleDue = false;
    await this.sample();
    this.opts.onProgress?.(world.sched.now, world.sched.eventsRun);
    this.note(await world.safety.sample(world.liveMembers()));
    this.note(await peerStatusAgrees(world.liveMembers()));
  };

  /** Plays events up to `until`; a safety violation ends it at once (shorter traces, faster shrinking). */
  progress(until: number) {
    return this.world.sched.run({
      until,
      maxEvents: MAX_EVENTS,
      stop: () => this.stopped,
      afterInstant: this.afterInstant,
    });
  }
}

export async function runScenario(input: Scenario, opts: RunOptions): Promise<RunResult> {
  const scenario = normalizeScenario(input);
  const world = new SimWorld(scenario, {
    adapter: opts.adapter,
    keepTrace: opts.keepTrace ?? false,
    keepLogs: opts.keepLogs ?? false,
  });
  world.emit("phase", {
    name: "chaos",
    devices: scenario.devices,
    seed: scenario.seed,
    scenario: scenario.name,
  });
  const run = new Run(world, opts);
  const late = lateJoiners(scenario);
  for (let i = 0; i < scenario.devices; i++) if (!late.has(i)) await world.startNode(i);
  scenario.steps.forEach((step, index) => {
    world.sched.at(step.at, () => {
      applyStep(world, step, index).catch((err: unknown) => run.stepErrors.push(err));
    });
  });
  await run.progress(scenario.chaosMs);
  if (run.stopped) return finish(run, undefined);
  const convergeMs = await heal(run);
  return finish(run, convergeMs, await check(run, convergeMs));
}

/** Faults off, links of the topology up, then heal-phase steps; returns ms to converge after them. */
async function heal(run: Run): Promise<number | undefined> {
  const { world } = run;
  const { scenario, sched } = world;
  world.emit("phase", { name: "heal" });
  world.healNetwork();
  for (const n of world.nodes) {
    if (!n.clockLasts) n.clock.reset();
    n.lie = undefined;
  }
  await restartMembers(world);
  // Heal-phase steps (work, crashes, restores) play out before convergence is timed.
  const lastStep = Math.max(scenario.chaosMs, ...scenario.steps.map((s) => s.at));
  if (lastStep > scenario.chaosMs) {
    await run.progress(lastStep);
    await restartMembers(world);
  }
  // Work is counted from here: what each device lacks now, against what moves.
  await world.work.start(world.liveMembers());
  const from = sched.now;
  run.healFrom = from;
  // The window covers the liveness bound (a long line relays hop by hop),
  // and grows with a lasting slow link's busy wire as converges-in-time's
  // bound does (up to healMs more, so a run that keeps a wire busy ends).
  const window = convergeBoundMs(scenario, world.oracle.changes, heldAfterHeal(run)) + 10_000;
  const healEnd = () =>
    Math.max(
      scenario.chaosMs + scenario.healMs,
      from + window + Math.min(world.work.slowestWireMs, scenario.healMs),
    );
  let next = from;
  let isolation = isolationCheck(run);
  while (sched.now < healEnd() && !run.stopped) {
    // Fine-grained at first (convergence time resolution), coarser later.
    const elapsed = sched.now - from;
    next = Math.min(
      healEnd(),
      next + (elapsed < 5_000 ? CONVERGE_CHECK_MS : elapsed < 60_000 ? 1_000 : 5_000),
    );
    const why = await run.progress(next);
    const views = await watermarkViews(world.liveMembers());
    // The ordinary bound is converges-in-time's with nothing held: a lasting slow link's busy wire counts.
    if (isolation !== undefined && sched.now - from >= isolation.atMs + world.work.slowestWireMs) {
      run.note(heldStreamsIsolated(views, isolation.free, Math.round(sched.now - from)));
      // A host knows its inbound-only client's cursor from no peer of its own.
      const known = (a: number, b: number) =>
        linked(scenario, a, b) && !inboundOnly(scenario, b, a);
      run.note(await lagWhileBehind(world.liveMembers(), views, known));
      isolation = undefined;
      if (run.stopped) break;
    }
    if (streamsAgreeOn(views) === undefined && cursorsAtHeadOn(views) === undefined) {
      // Let in-flight work settle briefly so buffers drain before the final check.
      const at = sched.now - from;
      await run.progress(sched.now + 2_000);
      return at;
    }
    if (why === "max-events" || why === "empty") break;
  }
  return undefined;
}

/** Restarts every member that is down (unless the scenario keeps it down). */
async function restartMembers(world: SimWorld): Promise<void> {
  const keepDown = new Set(world.scenario.keepDown ?? []);
  for (const n of world.nodes)
    if (n.member && !n.alive && !keepDown.has(n.index)) await world.startNode(n.index);
  world.conn.update();
}

/** Every property over the healed world, then re-apply, then the time bound. */
async function check(
  run: Run,
  convergeMs: number | undefined,
): Promise<PropertyFailure | undefined> {
  const { world } = run;
  await run.sample();
  world.emit("phase", { name: "check" });
  const first = run.safetyFailure ?? (await world.safety.sample(world.liveMembers()));
  if (first !== undefined) return first;
  const errors = [...world.sched.takeErrors(), ...run.stepErrors];
  if (errors.length > 0)
    return {
      property: "no-engine-errors",
      detail: `${errors.length} error(s) thrown by events; first: ${String(errors[0])}`,
    };
  const deviceIds = new Set(world.nodes.map((n) => n.deviceId));
  const anonymousTo = (d: number) =>
    world.scenario.inboundOnly?.some(([, host]) => host === d) === true;
  const badLog =
    logLevelsKnown(world.logs) ??
    logRecordsNamed(world.logs) ??
    errorLogsExplained(world.logs.errorEvents, world.scenario) ??
    routineLogsQuiet(world.logs.loudEvents) ??
    world.droppedAcks.check(world.logs.saidStreams) ??
    peerTransitionsDocumented(world.logs.peerStates) ??
    decisionsExplained(world.logs) ??
    limitEventsNamePeer(world.logs, deviceIds, anonymousTo) ??
    realtimeLimitsReached(world.logs, {
      pendingBufferMax: pendingBufferMaxOf(world.scenario.config ?? {}),
      ...realtimeBoundsOf(world.scenario.config ?? {}, world.scenario.devices),
    }) ??
    refusalsNameSource(world.logs, deviceIds, anonymousTo);
  if (badLog !== undefined) return badLog;
  const failure = checkProperties({
    nodes: await nodeViews(world.liveMembers()),
    oracle: world.oracle,
    bufferPeaks: run.peaks,
    pendingBufferMax: pendingBufferMaxOf(world.scenario.config ?? {}),
    dependencyBufferMax: Number(world.scenario.config?.dependencyBufferMax ?? MAX_DEPENDENCY_ROWS),
    dependencyBounds: dependencyBoundsOf(world.scenario.config ?? {}),
    realtimeBounds: realtimeBoundsOf(world.scenario.config ?? {}, world.scenario.devices),
    allOriginsLive: allOriginsLive(world),
  });
  if (failure !== undefined || convergeMs === undefined) return failure;
  // Re-applying what was already applied must change nothing.
  const re = await reapplyIsNoop(world.liveMembers(), world.servedPushes, async () => {
    await run.progress(world.sched.now + 2_000);
  });
  world.emit("reapply", { pushes: re.replayed });
  const bounded =
    re.failure ??
    world.retries.check(world.sched.now) ??
    world.retryOnContact.check(world.sched.now) ??
    world.refusalFloor.check() ??
    (await world.exchangeFailures.check(
      world.liveMembers(),
      world.sched.now - 2 * backoffPolicy(world.scenario).callTimeoutMs,
    )) ??
    (await world.invalidAnswers.check(world.liveMembers())) ??
    (await world.invalidReconciles.check(world.liveMembers())) ??
    (await world.roundBound.check(world.liveMembers())) ??
    world.codedWire.check() ??
    world.codedWire.checkCost() ??
    world.codedOpening.check() ??
    world.initiatorClaims.check() ??
    world.rangeQueue.check() ??
    world.rangeLimits.check() ??
    world.repairs.check() ??
    world.repeats.check() ??
    world.pullRepeats.check() ??
    world.deferrals.check() ??
    world.belowHorizon.check(world.sched.now) ??
    convergedInTime(
      world.scenario,
      convergeMs,
      world.oracle.changes,
      heldAfterHeal(run),
      world.work.slowestWireMs,
    ) ??
    world.work.check() ??
    (await quietAtRest(run)) ??
    (await lagAtRest(world.liveMembers(), world.oracle, liarGone(world))) ??
    (await holdsClearedAtRest(world.liveMembers(), world.oracle)) ??
    (await recordsCounted(world.liveMembers())) ??
    (await heldChangesAccounted(world.liveMembers())) ??
    world.pushes.check();
  // Last: they commit (or must fail to), so nothing after them reads the state.
  const earlier =
    bounded ??
    (await reconcileAnswersAtRest(world, (until) => run.progress(until))) ??
    (await reconcileRefusalsAtRest(world, (until) => run.progress(until))) ??
    (await reconcileLibraryExact(world)) ??
    (await codedSymbolsAtRest(world, (until) => run.progress(until))) ??
    (await cyclicMovesRefused(world.liveMembers()));
  if (earlier !== undefined) return earlier;
  // The run's figures are the scenario's, not the realtime check's writes.
  run.figures = await figuresOf(world);
  return (
    (await realtimeAtRest(world, (until) => run.progress(until))) ??
    (await realtimeGapsAtRest(world, (until) => run.progress(until))) ??
    (await periodicSkippedAtRest(world, (until) => run.progress(until))) ??
    (await realtimeStallAtRest(world, (until) => run.progress(until))) ??
    world.pushes.check() ??
    (await run.refusals()) ??
    // Records the at-rest checks drew out (pushes stalled, realtime gaps) are judged too.
    logRecordsNamed(world.logs) ??
    routineLogsQuiet(world.logs.loudEvents) ??
    run.safetyFailure
  );
}

/** False when some device that wrote data is gone (left, or kept down). */
function allOriginsLive(world: SimWorld): boolean {
  return world.nodes.every((n) => !n.everStarted || (n.alive && n.member));
}

/**
 * True when a device that lied or forged at some point is not a live member
 * now: a claim it made (a page, a pushed seq) may outlive it in others' view.
 */
function liarGone(world: SimWorld): boolean {
  const live = new Set(world.liveMembers().map((n) => n.index));
  return [...unjudgedDevices(world.scenario).lying].some((d) => !live.has(d));
}

/**
 * quiet-at-rest and chatter-at-rest: the agreed world rests for a periodic
 * exchange; nothing may be pulled or reconciled, no Hello sent, no
 * exchange loop. Then what the rested replicas publish of their peers, and
 * the timers a reconnect leaves.
 */
async function quietAtRest(run: Run): Promise<PropertyFailure | undefined> {
  const { world } = run;
  const ms = restMs(world.scenario);
  // ER-3: a caller refused before the heal waits out its floor (up to 30 s) first.
  const floors = world.refusalFloor.floorsEnd();
  if (floors > world.sched.now) await run.progress(floors);
  world.quiet.start();
  await run.progress(world.sched.now + ms);
  return (
    world.quiet.check(ms, periodicMs(world.scenario)) ??
    run.safetyFailure ??
    (await peersReadyAtRest(world.liveMembers(), (a, b) => world.reachable(a, b))) ??
    (await peerStatusAgrees(world.liveMembers())) ??
    (await librariesApart(world.liveMembers(), world.liveForeign(), (a, b) =>
      linked(world.scenario, a.index, b.index),
    )) ??
    (await timersAfterReconnect(world, (until) => run.progress(until))) ??
    run.safetyFailure
  );
}

/**
 * When a far-ahead change stretches the convergence bound: the ordinary
 * bound (after the heal began) by which every other origin's streams must
 * be at their head, and those origins.
 */
function isolationCheck(run: Run): { atMs: number; free: ReadonlySet<string> } | undefined {
  const { scenario, oracle } = run.world;
  if (heldAfterHeal(run) <= 0) return undefined;
  const atMs = convergeBoundMs(scenario, oracle.changes, 0);
  const maxOffset = Number(scenario.config?.hlcMaxOffsetMs ?? HLC_MAX_OFFSET_MS);
  const free = freeOrigins(oracle, maxOffset, run.healFrom + atMs);
  return free.size === 0 ? undefined : { atMs, free };
}

/** How long after the heal began a far-ahead change stays held by rule (PROTOCOL §12). */
function heldAfterHeal(run: Run): number {
  const { scenario, oracle } = run.world;
  const maxOffset = Number(scenario.config?.hlcMaxOffsetMs ?? HLC_MAX_OFFSET_MS);
  return Math.max(0, Math.ceil(holdReleaseMs(oracle, maxOffset) - run.healFrom));
}

async function finish(
  run: Run,
  convergeMs: number | undefined,
  checked?: PropertyFailure,
): Promise<RunResult> {
  const { world } = run;
  const { sched, scenario } = world;
  const failure = run.safetyFailure ?? checked;
  if (failure !== undefined) {
    world.emit("property", {
      ok: false,
      property: failure.property,
      detail: failure.detail.slice(0, 300),
    });
  } else {
    world.emit("property", { ok: true, convergeMs: convergeMs ?? -1 });
  }
  const wallMs = performance.now() - run.world.startedAt;
  const traceHash = world.trace.finish();
  const figures = run.figures ?? (await figuresOf(world));
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
    ...figures,
    traceHash,
    traceRecords: world.trace.count,
    traceLines: world.trace.lines(),
    world,
    logText: world.logs.text(),
    bufferPeaks: Object.fromEntries(run.peaks),
  };
  for (const n of world.nodes) n.dispose(); // free timers and databases
  return result;
}
