// `pnpm sim:merge REPORT... [--json]`: merges the JSON reports of a sharded
// soak (`pnpm sim:soak --shard i/n --report FILE` on n machines) into one
// summary: failures with their replay commands, seeds per second, failing
// properties, per-shard figures, and seeds or shards missing. Exit 1 when a
// seed failed or some of the seed space was not run, 2 on unreadable input.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { mergeReports, parseReport, summaryText } from "./soak/report.js";

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: "boolean", default: false } },
  });
  if (positionals.length === 0)
    throw new RangeError("usage: pnpm sim:merge REPORT.json... [--json]");
  // pnpm runs scripts in the package: paths are the user's.
  const base = process.env.INIT_CWD ?? process.cwd();
  const reports = positionals.map((p) => parseReport(readFileSync(resolve(base, p), "utf8"), p));
  const merged = mergeReports(reports);
  if (values.json) console.log(JSON.stringify(merged, null, 2));
  else for (const line of summaryText(merged)) console.log(line);
  const incomplete = merged.missing.length > 0 || merged.missingShards.length > 0;
  return merged.failures.length > 0 || incomplete ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 2;
}
