// `pnpm sim:soak [--runs N] [--seed S] [--minutes M] [--variant NAME]`:
// every property over many larger random scenarios (SOAK_BOUNDS: up to 16
// devices, 60 steps, 5,000-entry bursts, chains 2,000 deep). On failure it
// prints how many scenarios it took (seeds to failure), fast-check shrinks
// the scenario and the one-line replay command is printed. `--variant`
// runs every device as a known-bad variant: how fast soak finds that bug.

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
      variant: { type: "string" },
    },
  });
  const adapter = await loadAdapter();
  const variant = values.variant;
  if (variant !== undefined && !adapter.variants.includes(variant))
    throw new RangeError(`unknown variant ${variant}; one of ${adapter.variants.join(", ")}`);
  const seed = values.seed === undefined ? Date.now() % 2_147_483_647 : Number(values.seed);
  let done = 0;
  let firstFailure: number | undefined;
  const arb = scenarioArb(SOAK_BOUNDS, variant === undefined ? {} : { variant });
  const prop = fc.asyncProperty(arb, async (s) => {
    const r = await runScenario(s, { adapter });
    done++;
    if (!r.ok && firstFailure === undefined) firstFailure = done;
    if (done % 10 === 0) process.stderr.write(`  ${done} scenarios…\n`);
    return r.ok;
  });
  console.log(
    `soak: up to ${values.runs} scenarios, seed ${seed}, at most ${values.minutes} min${variant === undefined ? "" : `, variant ${variant}`}`,
  );
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
    `soak: FAILED at scenario ${firstFailure ?? out.numRuns} (seeds to failure; fast-check seed ${out.seed}, path "${out.counterexamplePath}")`,
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
