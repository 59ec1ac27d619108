// Tiny bench runner: runs every bench/*.bench.ts in name order, one after
// another. Each module exports `run(ctx)` returning a JSON-able result.
// `--json` prints one JSON object {summary, benchName: result} on stdout and
// sends progress to stderr; `--only NAME` runs the benches whose name
// contains NAME; `--quick` runs 10x smaller workloads (a loaded machine's
// smoke run; the default is the full size the README figures come from).
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export type BenchContext = {
  readonly json: boolean;
  /** Smaller workloads (labelled as such in the results); full size by default. */
  readonly quick: boolean;
  /** Progress and human-readable results (stderr under --json). */
  log(message: string): void;
};

type BenchModule = { run(ctx: BenchContext): Promise<unknown> | unknown };

const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only === undefined || f.includes(only))
  .sort();

const ctx: BenchContext = {
  json,
  quick,
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
  const doc = { summary: summarize(results, quick), ...results };
  process.stdout.write(`${JSON.stringify(doc, replacer, 2)}\n`);
}

type Phase = { rowsPerSec: number; ratioToRaw: number; ratioToRawTimeOrdered: number };
type StoreResult = { rows: number; raw: { rowsPerSec: number }; commit: Phase; apply: Phase };
type SignatureCommit = { signedRowsPerSec: number; unsignedRowsPerSec: number; ratio: number };
type SignatureApply = {
  offRowsPerSec: number;
  relayedRowsPerSec: number;
  directRowsPerSec: number;
  relayedRatio: number;
  directRatio: number;
};
type ReconcileRow = { d: number; config: string; bytes: number; roundTrips: number };

/**
 * The figures issue 4 must show, pulled out of the detailed results:
 * commit()/apply() rows/s with their ratios to the raw insert measured in
 * the same run, and reconcile bytes and round trips per d and config.
 */
function summarize(results: Record<string, unknown>, quickRun: boolean) {
  const store = results.store as StoreResult | undefined;
  const reconcile = results.reconcile as { items: number; rows: ReconcileRow[] } | undefined;
  const signatures = results.signatures as
    | { rows: number; commit: SignatureCommit; apply: SignatureApply }
    | undefined;
  return {
    quick: quickRun,
    ...(signatures === undefined
      ? {}
      : {
          signatures: {
            rows: signatures.rows,
            commitRowsPerSecSigned: signatures.commit.signedRowsPerSec,
            commitRowsPerSecUnsigned: signatures.commit.unsignedRowsPerSec,
            commitRatio: signatures.commit.ratio,
            applyRowsPerSecOff: signatures.apply.offRowsPerSec,
            applyRowsPerSecRelayedVerified: signatures.apply.relayedRowsPerSec,
            applyRowsPerSecDirectFromOrigin: signatures.apply.directRowsPerSec,
            applyRatioRelayed: signatures.apply.relayedRatio,
            applyRatioDirect: signatures.apply.directRatio,
          },
        }),
    ...(store === undefined
      ? {}
      : {
          store: {
            rows: store.rows,
            rawInsertRowsPerSec: store.raw.rowsPerSec,
            commitRowsPerSec: store.commit.rowsPerSec,
            commitRatioToRaw: store.commit.ratioToRaw,
            applyRowsPerSec: store.apply.rowsPerSec,
            applyRatioToRaw: store.apply.ratioToRaw,
          },
        }),
    ...(reconcile === undefined
      ? {}
      : {
          reconcile: {
            items: reconcile.items,
            byD: reconcile.rows
              .filter((r) => r.d > 0)
              .map((r) => ({ d: r.d, config: r.config, bytes: r.bytes, roundTrips: r.roundTrips })),
          },
        }),
  };
}
