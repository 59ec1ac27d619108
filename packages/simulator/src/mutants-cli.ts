// `pnpm sim:mutants [--runs N] [--seed S] [--variants a,b] [--json]`: hunts
// every known-bad variant (or the ones named), prints the table, exits 1 if
// any variant escapes.
import { parseArgs } from "node:util";
import { loadAdapter } from "./engine-binding.js";
import { huntMutant, type MutantReport, mutantTable } from "./mutants.js";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "40" },
      seed: { type: "string", default: "42" },
      "time-limit-ms": { type: "string", default: "120000" },
      json: { type: "boolean", default: false },
      variants: { type: "string" },
    },
  });
  const adapter = await loadAdapter();
  const reports: MutantReport[] = [];
  const chosen = values.variants?.split(",") ?? adapter.variants;
  for (const v of chosen)
    if (!adapter.variants.includes(v))
      throw new RangeError(`unknown variant ${v}; one of ${adapter.variants.join(", ")}`);
  for (const variant of chosen) {
    if (!values.json) process.stderr.write(`hunting ${variant}…\n`);
    const r = await huntMutant(variant, {
      adapter,
      maxRuns: Number(values.runs),
      seed: Number(values.seed),
      timeLimitMs: Number(values["time-limit-ms"]),
    });
    reports.push(r);
    if (!values.json && r.replay !== undefined)
      process.stderr.write(`  ${r.failure}\n  replay: ${r.replay}\n`);
  }
  if (values.json) console.log(JSON.stringify(reports.map(({ shrunk: _s, ...rest }) => rest)));
  else console.log(mutantTable(reports));
  return reports.every((r) => r.caught) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(2);
  },
);
