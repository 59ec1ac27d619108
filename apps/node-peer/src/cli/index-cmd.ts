// `tidemark index PATH`: walks a directory into this device's library.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { CliError, CliErrorCode } from "../errors.js";
import type { IndexProgress, IndexResult } from "../indexer/index-location.js";
import { bar, formatRate, ProgressLine } from "../progress.js";
import { commonOptions, printJson } from "./common.js";
import { withTarget } from "./target.js";

export function describeProgress(p: IndexProgress): string {
  if (p.phase === "scan") return `scanning  ${p.scanned} files found`;
  const frac = p.scanned === 0 ? 1 : p.committed / p.scanned;
  return `indexing  ${bar(frac)} ${p.committed}/${p.scanned}  ${formatRate(p.committed, p.elapsedMs, "rows")}`;
}

export function registerIndex(program: Command): void {
  program
    .command("index")
    .description("index a directory tree as a new location (batched commits, synced live)")
    .argument("<path>", "directory to index")
    .option("--json", "print the result as JSON")
    .action(async (path: string, flags: { json?: boolean }, cmd: Command) => {
      const opts = commonOptions(cmd);
      const abs = resolve(path);
      if (!existsSync(abs) || !statSync(abs).isDirectory()) {
        throw new CliError(CliErrorCode.InvalidArgument, `${abs} is not a directory`);
      }
      const line = new ProgressLine();
      const onProgress = (p: IndexProgress) => line.update(describeProgress(p), p.phase === "done");
      const result: IndexResult = await withTarget(opts, (t) =>
        t.kind === "remote" ? t.admin.index(abs, onProgress) : t.node.index(abs, onProgress),
      );
      line.done(
        `indexed   ${result.entries} entries in ${(result.elapsedMs / 1000).toFixed(1)}s (${formatRate(result.entries, result.elapsedMs, "rows")})${result.skipped > 0 ? `, ${result.skipped} unreadable skipped` : ""}`,
      );
      if (flags.json === true) printJson(result);
    });
}
