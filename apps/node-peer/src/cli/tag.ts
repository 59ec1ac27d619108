// `tidemark tag NAME ENTRY…`, `untag NAME ENTRY…`, `tags`: shared tags on
// entries named by path or id.
import type { Command } from "commander";
import type { TagView } from "../library/view.js";
import type { TagResult } from "../peer-node.js";
import { renderTable } from "../table.js";
import { normaliseColor } from "../tag-color.js";
import { commonOptions, printJson, say } from "./common.js";
import { entryRef } from "./ls.js";

function describeTag(verb: string, name: string, r: TagResult): string[] {
  const head = `${verb} "${name}"${r.color === "" ? "" : ` (${r.color})`}: ${r.changes} change(s) committed`;
  return [head, ...r.entries.map((e) => `  ${e.path}  ${e.id}`)];
}

export function renderTags(tags: readonly TagView[]): string {
  if (tags.length === 0) return "no tags (make one with `tidemark tag NAME PATH…`)";
  return renderTable(
    ["TAG", "COLOR", "ENTRIES", "NOT HERE", "ID"],
    tags.map((t) => [
      t.name,
      t.color === "" ? "-" : t.color,
      String(t.entries),
      String(t.elsewhere),
      t.id,
    ]),
  );
}

export function registerTag(program: Command): void {
  program
    .command("tag")
    .description("create or recolour a tag (shared by every device) and assign it to entries")
    .argument("<name>", "tag name; the same name on any device is the same tag")
    .argument(
      "[entries...]",
      "paths under this device's locations, or entry ids (see `ls`, `find`)",
    )
    .option(
      "--color <color>",
      "#rrggbb, #rgb, or red|orange|yellow|green|blue|purple|pink|brown|grey|black|white",
    )
    .option("--json", "print the result as JSON")
    .action(
      async (
        name: string,
        refs: string[],
        flags: { color?: string; json?: boolean },
        cmd: Command,
      ) => {
        // Refuse a bad colour before anything is opened or sent.
        const color = flags.color === undefined ? undefined : normaliseColor(flags.color);
        const { withApi } = await import("./target.js");
        const r = await withApi(commonOptions(cmd), "tag", (api) =>
          api.tag({ name, entries: refs.map(entryRef), ...(color === undefined ? {} : { color }) }),
        );
        if (flags.json === true) printJson(r);
        else for (const l of describeTag("tag", name, r)) say(l);
      },
    );
  program
    .command("untag")
    .description("remove a tag from entries (tombstones the assignments; the tag stays)")
    .argument("<name>", "tag name")
    .argument("<entries...>", "paths or entry ids")
    .option("--json", "print the result as JSON")
    .action(async (name: string, refs: string[], flags: { json?: boolean }, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const r = await withApi(commonOptions(cmd), "untag", (api) =>
        api.tag({ name, entries: refs.map(entryRef), remove: true }),
      );
      if (flags.json === true) printJson(r);
      else for (const l of describeTag("untagged", name, r)) say(l);
    });
  program
    .command("tags")
    .description("every tag with its colour and how many entries carry it")
    .option("--json", "print as JSON")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const tags = await withApi(commonOptions(cmd), "tags", (api) => api.tags({}));
      if (flags.json === true) printJson(tags);
      else say(renderTags(tags));
    });
}
