// `tidemark location list` / `location remove PATH|ID`.
import { resolve } from "node:path";
import type { Command } from "commander";
import type { LocationInfo } from "../indexer/locations.js";
import type { IndexProgress } from "../indexer/scanner.js";
import { bar, ProgressLine } from "../progress.js";
import { renderTable } from "../table.js";
import { commonOptions, printJson, say } from "./common.js";

export function renderLocations(rows: readonly LocationInfo[]): string {
  if (rows.length === 0) return "no locations (add one with `tidemark index DIR`)";
  return renderTable(
    ["ID", "PATH", "ENTRIES", "WATCH", "ADDED"],
    rows.map((l) => [
      l.id,
      l.exists ? l.path : `${l.path} (missing on disk)`,
      String(l.entries),
      l.watching ? "live" : l.watch === true ? "on serve" : "-",
      l.addedAt === "" ? "-" : l.addedAt.slice(0, 19).replace("T", " "),
    ]),
  );
}

export function registerLocation(program: Command): void {
  const location = program.command("location").description("this device's indexed directories");
  location
    .command("list")
    .description("list locations: path, entries, whether they are watched")
    .option("--json", "print as JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const rows = await withApi(commonOptions(cmd), "location list", (api) => api.locations({}));
      if (flags.json === true) printJson(rows);
      else say(renderLocations(rows));
    });
  location
    .command("remove")
    .description(
      "remove a location: its entries are deleted from the library (files on disk are not touched)",
    )
    .argument("<location>", "its path, or its id (or an unambiguous id prefix)")
    .option("--json", "print the removed location as JSON")
    .action(async (ref: string, flags: { json?: boolean }, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const line = new ProgressLine();
      const onProgress = (p: IndexProgress) =>
        line.update(
          `removing  ${bar(p.total === 0 ? 1 : p.done / p.total)} ${p.done}/${p.total}`,
          p.phase === "done",
        );
      // A path is sent absolute: the serve may run in another directory.
      const arg = /^[0-9a-f]{4,32}$/i.test(ref) ? ref : resolve(ref);
      const removed = await withApi(commonOptions(cmd), "location remove", (api) =>
        api.removeLocation({ ref: arg }, onProgress),
      );
      line.clear();
      if (flags.json === true) printJson(removed);
      else
        say(
          `removed location ${removed.path} (${removed.id}): ${removed.entries} entries deleted from the library`,
        );
    });
}
