// `pnpm sim:soak [--runs N] [--seed S] [--minutes M]`: the convergence
// property over many larger random scenarios (up to 8 devices, 40 steps,
// 2000-entry bursts). On failure fast-check shrinks it and the one-line
// replay command is printed.

import { parseArgs } from "node:util";
import fc from "fast-check";
import { SOAK_BOUNDS, scenarioArb } from "./arbitraries.js";
import { loadAdapter } from "./engine-binding.js";
import { specReplay } from "./replay.js";
import { normalizeScenario, type Scenario } from "./scenario.js";
import { runScenario } from "./simulation.js";
import { summaryLines } from "./summary.js";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "200" },
      seed: { type: "string" },
      minutes: { type: "string", default: "30" },
    },
  });
  const adapter = await loadAdapter();
  const seed = values.seed === undefined ? Date.now() % 2_147_483_647 : Number(values.seed);
  let done = 0;
  const prop = fc.asyncProperty(scenarioArb(SOAK_BOUNDS), async (s) => {
    const r = await runScenario(s, { adapter });
    done++;
    if (done % 10 === 0) process.stderr.write(`  ${done} scenarios…\n`);
    return r.ok;
  });
  console.log(`soak: up to ${values.runs} scenarios, seed ${seed}, at most ${values.minutes} min`);
  const out = await fc.check(prop, {
    numRuns: Number(values.runs),
    seed,
    interruptAfterTimeLimit: Number(values.minutes) * 60_000,
    markInterruptAsFailure: false,
  });
  if (!out.failed) {
    console.log(
      `soak: ${out.numRuns} scenarios, every property held${out.interrupted ? " (time limit reached)" : ""}`,
    );
    return 0;
  }
  const shrunk = normalizeScenario(out.counterexample?.[0] as Scenario);
  const r = await runScenario(shrunk, { adapter });
  console.log(
    `soak: FAILED after ${out.numRuns} scenarios (fast-check seed ${out.seed}, path "${out.counterexamplePath}")`,
  );
  for (const line of summaryLines(r, specReplay(shrunk))) console.log(line);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(2);
  },
);
