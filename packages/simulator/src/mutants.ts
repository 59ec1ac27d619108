// Known-bad engine variants (injected by the adapter, never switches in the
// engine) against the properties: each variant must be caught. A fast-check search over random scenarios finds
// a failing one (how many scenarios it took = "seeds to failure") and
// shrinks it; if the bounded search finds none, the named scenarios are
// tried. The shrunk scenario is replayed with a trace for its length.

import fc from "fast-check";
import { SMALL_BOUNDS, scenarioArb } from "./arbitraries.js";
import type { EngineAdapter } from "./probe/probe.js";
import { describeFailure } from "./properties/index.js";
import { namedReplay, specReplay } from "./replay.js";
import { normalizeScenario, type Scenario } from "./scenario.js";
import { SCENARIO_NAMES, SCENARIOS } from "./scenarios/index.js";
import { runScenario } from "./simulation.js";

export type MutantReport = {
  readonly variant: string;
  readonly caught: boolean;
  /** "random" (fast-check search) or the named scenario that caught it. */
  readonly caughtBy: string | undefined;
  /** Random scenarios run until the first failure (search only). */
  readonly seedsToFailure: number | undefined;
  /** Steps of the shrunk scenario, and records of its trace. */
  readonly shrunkSteps: number | undefined;
  readonly shrunkTraceRecords: number | undefined;
  readonly shrinks: number | undefined;
  readonly failure: string | undefined;
  readonly replay: string | undefined;
  readonly shrunk: Scenario | undefined;
};

export type HuntOptions = {
  readonly adapter: EngineAdapter;
  /** Random scenarios to try before falling back to the named ones. */
  readonly maxRuns: number;
  readonly seed: number;
  /**
   * Wall-clock bound on search + shrinking, ms; none by default, so a hunt
   * is a pure function of its seed (S12). Interactive runs may set one.
   */
  readonly timeLimitMs?: number;
  /** Shrink the failing scenario (default true); tests skip it for speed. */
  readonly shrink?: boolean;
  /** Named scenarios to fall back on, in order. */
  readonly fallback?: readonly string[];
};

export async function huntMutant(variant: string, opts: HuntOptions): Promise<MutantReport> {
  const prop = fc.asyncProperty(scenarioArb(SMALL_BOUNDS, { variant }), async (s) => {
    const r = await runScenario(s, { adapter: opts.adapter });
    return r.ok;
  });
  const out = await fc.check(prop, {
    numRuns: opts.maxRuns,
    seed: opts.seed,
    ...(opts.timeLimitMs === undefined
      ? {}
      : { interruptAfterTimeLimit: opts.timeLimitMs, markInterruptAsFailure: false }),
    endOnFailure: opts.shrink === false,
  });
  const raw = out.failed ? (out.counterexample?.[0] as Scenario | undefined) : undefined;
  const shrunk = raw === undefined ? undefined : normalizeScenario(raw);
  if (shrunk !== undefined) {
    const r = await runScenario(shrunk, { adapter: opts.adapter, keepTrace: true });
    return {
      variant,
      caught: !r.ok,
      caughtBy: "random",
      seedsToFailure: out.numRuns,
      shrunkSteps: shrunk.steps.length,
      shrunkTraceRecords: r.traceRecords,
      shrinks: out.numShrinks,
      failure: r.failure === undefined ? undefined : describeFailure(r.failure),
      replay: specReplay(shrunk),
      shrunk,
    };
  }
  for (const name of opts.fallback ?? SCENARIO_NAMES) {
    const make = SCENARIOS[name];
    if (make === undefined) continue;
    const r = await runScenario({ ...make({ seed: 1 }), variant }, { adapter: opts.adapter });
    if (!r.ok) {
      return {
        variant,
        caught: true,
        caughtBy: name,
        seedsToFailure: undefined,
        shrunkSteps: r.scenario.steps.length,
        shrunkTraceRecords: r.traceRecords,
        shrinks: undefined,
        failure: r.failure === undefined ? undefined : describeFailure(r.failure),
        replay: namedReplay({ kind: "named", name, seed: 1, variant }),
        shrunk: undefined,
      };
    }
  }
  return {
    variant,
    caught: false,
    caughtBy: undefined,
    seedsToFailure: undefined,
    shrunkSteps: undefined,
    shrunkTraceRecords: undefined,
    shrinks: undefined,
    failure: undefined,
    replay: undefined,
    shrunk: undefined,
  };
}

/** The table `pnpm sim:mutants` prints. */
export function mutantTable(reports: readonly MutantReport[]): string {
  const rows = [
    [
      "variant",
      "caught?",
      "by",
      "seeds to failure",
      "shrunk steps",
      "shrunk trace records",
      "property",
    ],
    ...reports.map((r) => [
      r.variant,
      r.caught ? "yes" : "NO",
      r.caughtBy ?? "-",
      r.seedsToFailure === undefined ? "-" : String(r.seedsToFailure),
      r.shrunkSteps === undefined ? "-" : String(r.shrunkSteps),
      r.shrunkTraceRecords === undefined ? "-" : String(r.shrunkTraceRecords),
      r.failure?.replace(/^property (\S+) failed.*$/, "$1") ?? "-",
    ]),
  ];
  const widths =
    rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")).join("\n");
}
