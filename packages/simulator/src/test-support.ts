// Shared by the engine-backed tests: the implementation under test, loaded
// once, and a named scenario run against it.
import { loadAdapter } from "./engine-binding.js";
import type { EngineAdapter } from "./probe/probe.js";
import { namedReplay } from "./replay.js";
import { SCENARIOS } from "./scenarios/index.js";
import { type RunResult, runScenario } from "./simulation.js";
import { summaryLines } from "./summary.js";

let cached: Promise<EngineAdapter> | undefined;

export function engine(): Promise<EngineAdapter> {
  cached ??= loadAdapter();
  return cached;
}

/** Runs the named scenario at seed 1 with its trace kept; throws its summary when it fails. */
export async function runNamed(name: string): Promise<RunResult> {
  const make = SCENARIOS[name];
  if (make === undefined) throw new Error(`no scenario ${name}`);
  const r = await runScenario(make({ seed: 1 }), { adapter: await engine(), keepTrace: true });
  if (!r.ok)
    throw new Error(summaryLines(r, namedReplay({ kind: "named", name, seed: 1 })).join("\n"));
  return r;
}

/**
 * Runs the named scenario against `adapter` (a planted-slip variant, say)
 * and returns the result, failures included: the caller judges them.
 */
export function runNamedWith(
  adapter: EngineAdapter,
  name: string,
  opts: { readonly seed: number; readonly scale?: number },
): Promise<RunResult> {
  const make = SCENARIOS[name];
  if (make === undefined) throw new Error(`no scenario ${name}`);
  return runScenario(make(opts), { adapter });
}
