// `tidemark ls [PATH|ID]` and `tidemark find PATTERN`: entries with their ids.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { type EntryView, type FindResult, type LsResult, looksLikeId } from "../library/view.js";
import { formatBytes } from "../progress.js";
import { renderTable } from "../table.js";
import { commonOptions, printJson, say, seconds } from "./common.js";

const KIND = { file: "file", directory: "dir", symlink: "link" } as const;

/**
 * An entry reference as the owner of the data dir must see it: an id as
 * typed, a path made absolute here (the serve may run in another
 * directory). A name that is a file here is a path even if it looks like an id.
 */
export function entryRef(ref: string): string {
  return looksLikeId(ref) && !existsSync(ref) ? ref : resolve(ref);
}

function entryRows(entries: readonly EntryView[], withPath: boolean): string[][] {
  return entries.map((e) => [
    e.id,
    KIND[e.kind],
    e.kind === "file" ? formatBytes(Number(e.size)) : "-",
    e.modifiedAt === "" ? "-" : e.modifiedAt.slice(0, 16).replace("T", " "),
    ...(withPath ? [e.deviceName, e.path] : [e.kind === "directory" ? `${e.name}/` : e.name]),
    e.tags.join(","),
  ]);
}

export function renderLs(r: LsResult): string {
  if (r.kind === "locations") {
    if (r.locations.length === 0)
      return "the library is empty (add a directory with `tidemark index DIR`)";
    return renderTable(
      ["ROOT ENTRY", "DEVICE", "PATH", "ENTRIES"],
      r.locations.map((l) => [
        l.root ?? "-",
        `${l.deviceName}${l.own ? " (this device)" : ""}`,
        l.path,
        String(l.entries),
      ]),
    );
  }
  const head = `${r.entry.path}  (${KIND[r.entry.kind]} ${r.entry.id} on ${r.entry.deviceName})`;
  if (r.entry.kind !== "directory")
    return renderTable(
      ["ID", "KIND", "SIZE", "MODIFIED", "DEVICE", "PATH", "TAGS"],
      entryRows([r.entry], true),
    );
  if (r.children.length === 0) return `${head}\n(empty)`;
  return `${head}\n${renderTable(["ID", "KIND", "SIZE", "MODIFIED", "NAME", "TAGS"], entryRows(r.children, false))}`;
}

export function renderFind(r: FindResult, pattern: string): string {
  if (r.total === 0) return `no entry matches "${pattern}"`;
  const table = renderTable(
    ["ID", "KIND", "SIZE", "MODIFIED", "DEVICE", "PATH", "TAGS"],
    entryRows(r.matches, true),
  );
  return r.total > r.matches.length
    ? `${table}\n… ${r.total - r.matches.length} more (raise --limit)`
    : table;
}

type FindFlags = { json?: boolean; limit: string; wait?: string };

export function registerLs(program: Command): void {
  program
    .command("ls")
    .description(
      "without PATH: every device's locations; with PATH or ID: that entry and its children, with ids",
    )
    .argument("[path]", "a path under one of this device's locations, or an entry id (any device)")
    .option("--json", "print as JSON")
    .action(async (ref: string | undefined, flags: { json?: boolean }, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const r = await withApi(commonOptions(cmd), "ls", (api) =>
        api.ls(ref === undefined ? {} : { ref: entryRef(ref) }),
      );
      if (flags.json === true) printJson(r);
      else say(renderLs(r));
    });
  program
    .command("find")
    .description("entries of every device whose name matches (a substring, or a glob with * and ?)")
    .argument("<pattern>", "e.g. holiday, '*.jpg', 'IMG_20??.*' (case-insensitive)")
    .option("--limit <n>", "most matches to print", "50")
    .option("--wait <seconds>", "wait up to this long for a match (e.g. a file still syncing)")
    .option("--json", "print as JSON")
    .action(async (pattern: string, flags: FindFlags, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const limit = Math.max(1, Number.parseInt(flags.limit, 10) || 50);
      const deadline = Date.now() + (flags.wait === undefined ? 0 : seconds(flags.wait, "--wait"));
      let r: FindResult;
      for (;;) {
        r = await withApi(commonOptions(cmd), "find", (api) => api.find({ pattern, limit }));
        if (r.total > 0 || Date.now() >= deadline) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      if (flags.json === true) printJson(r);
      else say(renderFind(r, pattern));
    });
}
