// Tiny bench runner: runs every bench/*.bench.ts in name order, one after
// another. Each module exports `run(ctx)` returning a JSON-able result.
// `--json` prints one JSON object {benchName: result} on stdout and sends
// progress to stderr; `--only NAME` runs the benches whose name contains NAME.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export type BenchContext = {
  readonly json: boolean;
  /** Progress and human-readable results (stderr under --json). */
  log(message: string): void;
};

type BenchModule = { run(ctx: BenchContext): Promise<unknown> | unknown };

const args = process.argv.slice(2);
const json = args.includes("--json");
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only === undefined || f.includes(only))
  .sort();

const ctx: BenchContext = {
  json,
  log: (m) => (json ? process.stderr : process.stdout).write(`${m}\n`),
};
const results: Record<string, unknown> = {};
for (const f of files) {
  const name = f.replace(/\.bench\.ts$/, "");
  ctx.log(`-- ${name}`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as BenchModule;
  results[name] = await mod.run(ctx);
}
if (json) {
  const replacer = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
  process.stdout.write(`${JSON.stringify(results, replacer, 2)}\n`);
}
