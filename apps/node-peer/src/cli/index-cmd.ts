// `tidemark index PATH`: puts a directory in the library, or rescans it
// incrementally (new files, changes, renames and moves, deletes).
import { resolve } from "node:path";
import type { Command } from "commander";
import { dataDirPaths } from "../config/data-dir.js";
import type { IndexResult } from "../indexer/locations.js";
import type { IndexProgress, ScanResult } from "../indexer/scanner.js";
import { bar, formatRate, ProgressLine } from "../progress.js";
import { commonOptions, printJson, say } from "./common.js";

/** One progress line; the bar and the numbers beside it come from the same two counts. */
export function describeProgress(p: IndexProgress, path: string): string {
  if (p.phase === "scan") {
    return p.found === 0
      ? `scanning  ${path} …`
      : `scanning  ${p.found} found so far${p.skipped > 0 ? `, ${p.skipped} skipped` : ""}`;
  }
  if (p.total === 0) return `compared  ${p.found} on disk: nothing to write`;
  return `writing   ${bar(p.done / p.total)} ${p.done}/${p.total}  ${formatRate(p.done, p.elapsedMs, "rows")}`;
}

/** "+3 new, 1 changed, …" for people; "no change" when nothing was written. */
export function describeChanges(r: ScanResult): string {
  const parts = [
    `${r.created} new`,
    `${r.updated} changed`,
    `${r.moved} moved`,
    `${r.deleted} deleted`,
    `${r.unchanged} unchanged`,
  ];
  return parts.join(", ");
}

/** The first few skipped nodes, and where the rest are. */
export function skippedLines(r: ScanResult, logFile: string | undefined, show = 5): string[] {
  if (r.skippedCount === 0) return [];
  const lines = [`skipped   ${r.skippedCount} (not in the library):`];
  for (const s of r.skipped.slice(0, show)) lines.push(`  ${s.path}: ${s.reason}`);
  if (r.skippedCount > show) lines.push(`  … and ${r.skippedCount - show} more`);
  lines.push(`  every one is listed in ${logFile ?? "the log file"} (event "index-skipped")`);
  return lines;
}

export function describeIndexResult(r: IndexResult, logFile: string | undefined): string[] {
  const what =
    r.kind === "new"
      ? `indexed   ${r.path} as a new location`
      : r.kind === "rescan"
        ? `rescanned ${r.path}`
        : `rescanned part of location ${r.path}`;
  const written = r.created + r.updated + r.moved + r.deleted;
  const rate = written === 0 ? "" : ` (${formatRate(written, r.elapsedMs, "rows")})`;
  return [
    `${what}${r.via === undefined ? "" : ` (given as ${r.via}, a symlink to it)`}`,
    `          ${r.entries} entries: ${describeChanges(r)}; ${(r.elapsedMs / 1000).toFixed(1)}s${rate}`,
    ...skippedLines(r, logFile),
  ];
}

export function registerIndex(program: Command): void {
  program
    .command("index")
    .description(
      "index a directory as a location, or rescan one: new, changed, moved and deleted files are synced",
    )
    .argument("<path>", "directory (a location, a directory inside one, or a new one)")
    .option("--json", "print the result as JSON")
    .action(async (path: string, flags: { json?: boolean }, cmd: Command) => {
      const opts = commonOptions(cmd);
      const { withApi } = await import("./target.js");
      const abs = resolve(path);
      const line = new ProgressLine();
      const onProgress = (p: IndexProgress) =>
        line.update(describeProgress(p, abs), p.phase === "done");
      const result = await withApi(opts, "index", (api) => api.index({ path: abs }, onProgress));
      line.clear();
      if (flags.json === true) printJson(result);
      else for (const l of describeIndexResult(result, dataDirPaths(opts.data).logFile)) say(l);
    });
}
