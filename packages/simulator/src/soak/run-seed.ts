// One soak seed: draw scenario `index` from its own seed, run it, and judge
// it. The same code runs in a worker process and in `--only` replays, so a
// seed's verdict does not depend on where it ran.
import fc from "fast-check";
import { SMALL_BOUNDS, SOAK_BOUNDS, scenarioArb } from "../arbitraries.js";
import type { EngineAdapter } from "../probe/probe.js";
import { describeFailure } from "../properties/index.js";
import { normalizeScenario, type Scenario } from "../scenario.js";
import { type RunResult, runScenario } from "../simulation.js";
import { scenarioSeed } from "./seeds.js";

export type SoakSize = "soak" | "small";

/** What every seed of one run shares (sent to each worker once). */
export type SoakPlan = {
  readonly seed: number;
  readonly runs: number;
  readonly size: SoakSize;
  readonly variant?: string | undefined;
};

export type SeedVerdict = {
  readonly index: number;
  readonly scenarioSeed: number;
  readonly ok: boolean;
  /** The failing property (`harness-error` when the run itself threw). */
  readonly property?: string;
  readonly detail?: string;
  readonly devices: number;
  readonly steps: number;
  readonly events: number;
  readonly wallMs: number;
  /** sha-256 of the run's trace: the same seed gives the same hash anywhere. */
  readonly traceHash: string;
};

export function boundsOf(size: SoakSize) {
  return size === "small" ? SMALL_BOUNDS : SOAK_BOUNDS;
}

/** The one-line command that reruns seed `index` of a plan on any machine. */
export function seedReplay(plan: SoakPlan, index: number): string {
  const size = plan.size === "soak" ? "" : ` --size ${plan.size}`;
  const variant = plan.variant === undefined ? "" : ` --variant ${plan.variant}`;
  return `pnpm sim:soak --seed ${plan.seed} --only ${index}${size}${variant}`;
}

export type SeedRun = {
  readonly verdict: SeedVerdict;
  /** The full run (kept for summaries; never sent between processes). */
  readonly result?: RunResult;
  /** With `shrink`: the smallest failing scenario fast-check found. */
  readonly shrunk?: Scenario;
};

/**
 * Runs seed `index` through fast-check with numRuns 1 and the seed's own
 * fast-check seed, so the scenario drawn is a pure function of (plan, index);
 * `shrink` lets fast-check shrink a failure (replays only: it costs runs).
 */
export async function runSeed(
  adapter: EngineAdapter,
  plan: SoakPlan,
  index: number,
  opts: { readonly shrink?: boolean; readonly shrinkMs?: number } = {},
): Promise<SeedRun> {
  const seed = scenarioSeed(plan.seed, index);
  const arb = scenarioArb(
    boundsOf(plan.size),
    plan.variant === undefined ? {} : { variant: plan.variant },
  );
  let first: SeedRun | undefined;
  const prop = fc.asyncProperty(arb, async (s) => {
    const run = await judge(adapter, s, index, seed);
    first ??= run;
    return run.verdict.ok;
  });
  const out = await fc.check(prop, {
    numRuns: 1,
    seed,
    endOnFailure: opts.shrink !== true,
    ...(opts.shrinkMs === undefined
      ? {}
      : { interruptAfterTimeLimit: opts.shrinkMs, markInterruptAsFailure: false }),
  });
  if (first === undefined) throw new Error(`seed ${index}: fast-check ran no scenario`);
  if (!out.failed || opts.shrink !== true) return first;
  const shrunk = normalizeScenario(out.counterexample?.[0] as Scenario);
  return { ...first, shrunk };
}

async function judge(
  adapter: EngineAdapter,
  s: Scenario,
  index: number,
  seed: number,
): Promise<SeedRun> {
  const base = { index, scenarioSeed: seed, devices: s.devices, steps: s.steps.length };
  const t0 = performance.now();
  try {
    const r = await runScenario(s, { adapter });
    const f = r.failure;
    const verdict: SeedVerdict = {
      ...base,
      ok: r.ok,
      ...(f === undefined ? {} : { property: f.property, detail: describeFailure(f) }),
      events: r.events,
      wallMs: r.wallMs,
      traceHash: r.traceHash,
    };
    return { verdict, result: r };
  } catch (err) {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    const verdict: SeedVerdict = {
      ...base,
      ok: false,
      property: "harness-error",
      detail,
      events: 0,
      wallMs: performance.now() - t0,
      traceHash: "",
    };
    return { verdict };
  }
}
