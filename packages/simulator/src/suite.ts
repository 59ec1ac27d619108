// The property suite against any implementation: every named scenario at a
// small scale, then random scenarios (fixed seed, shrunk on failure), then
// every known-bad variant the adapter offers must be caught. What
// `pnpm sim:suite` runs, and what another engine's CI can call.
import fc from "fast-check";
import { SMALL_BOUNDS, scenarioArb } from "./arbitraries.js";
import { huntMutant } from "./mutants.js";
import type { EngineAdapter } from "./probe/probe.js";
import { describeFailure } from "./properties/index.js";
import { namedReplay, specReplay } from "./replay.js";
import { normalizeScenario, type Scenario } from "./scenario.js";
import { SCENARIO_NAMES, SCENARIOS } from "./scenarios/index.js";
import { runScenario } from "./simulation.js";

export type SuiteOptions = {
  /** Seed of the named scenarios and of the random search. */
  readonly seed?: number;
  /** Random scenarios to run (default 10). */
  readonly randomRuns?: number;
  /** Size of the named scenarios (default 0.005: a few hundred rows each). */
  readonly scale?: number;
  /** The named scenarios to run (default: every one). */
  readonly scenarios?: readonly string[];
  /** Hunt every known-bad variant the adapter offers (default true). */
  readonly variants?: boolean;
  /** Random scenarios tried per variant before the named ones (default 25). */
  readonly huntRuns?: number;
  /** One line per finished check, as it finishes. */
  readonly onResult?: (r: SuiteResult) => void;
};

export type SuiteResult = {
  /** `named/<scenario>`, `random/<n>` or `variant/<name>`. */
  readonly name: string;
  readonly ok: boolean;
  /** The failed property (or, for a variant, the property that caught it). */
  readonly detail: string;
  /** The one-line command that replays it. */
  readonly replay: string;
};

export type SuiteReport = { readonly ok: boolean; readonly results: readonly SuiteResult[] };

export async function runSuite(
  adapter: EngineAdapter,
  opts: SuiteOptions = {},
): Promise<SuiteReport> {
  const seed = opts.seed ?? 1;
  const results: SuiteResult[] = [];
  const add = (r: SuiteResult) => {
    results.push(r);
    opts.onResult?.(r);
  };
  for (const name of opts.scenarios ?? SCENARIO_NAMES) {
    const make = SCENARIOS[name] as ((p: { seed: number; scale: number }) => Scenario) | undefined;
    if (make === undefined)
      throw new RangeError(`no scenario ${name}; one of ${SCENARIO_NAMES.join(", ")}`);
    const params = { seed, scale: opts.scale ?? 0.005 };
    const r = await runScenario(make(params), { adapter });
    const replay = namedReplay({ kind: "named", name, ...params });
    add({ name: `named/${name}`, ok: r.ok, detail: failureText(r.failure), replay });
  }
  let n = 0;
  const prop = fc.asyncProperty(
    scenarioArb(SMALL_BOUNDS),
    async (s) => (await runScenario(s, { adapter })).ok,
  );
  const out = await fc.check(prop, { numRuns: opts.randomRuns ?? 10, seed });
  if (out.failed) {
    const shrunk = normalizeScenario(out.counterexample?.[0] as Scenario);
    const r = await runScenario(shrunk, { adapter });
    add({
      name: `random/${out.numRuns}`,
      ok: false,
      detail: failureText(r.failure),
      replay: specReplay(shrunk),
    });
  } else {
    n = out.numRuns;
    add({
      name: `random/${n}`,
      ok: true,
      detail: `${n} scenarios, every property held`,
      replay: "",
    });
  }
  if (opts.variants ?? true) {
    for (const variant of adapter.variants) {
      const m = await huntMutant(variant, {
        adapter,
        maxRuns: opts.huntRuns ?? 25,
        seed,
        timeLimitMs: 600_000,
      });
      add({
        name: `variant/${variant}`,
        ok: m.caught,
        detail: m.caught ? `caught by ${m.failure ?? "?"}` : "escaped every property",
        replay: m.replay ?? "",
      });
    }
  }
  return { ok: results.every((r) => r.ok), results };
}

function failureText(f: Parameters<typeof describeFailure>[0] | undefined): string {
  return f === undefined ? "every property held" : describeFailure(f);
}
