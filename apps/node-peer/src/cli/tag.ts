// `tidemark tag NAME ENTRY...` / `untag NAME ENTRY...`: shared-resource edits.
import type { Command } from "commander";
import { commonOptions, printJson } from "./common.js";
import { withTarget } from "./target.js";

export function registerTag(program: Command): void {
  program
    .command("tag")
    .description("create a tag (shared by every device) and assign it to entries")
    .argument("<name>", "tag name; the same name on any device is the same tag")
    .argument("[entries...]", "entry ids (32 hex digits)")
    .option("--color <color>", "tag color, e.g. #ff8800")
    .option("--json", "print the result as JSON")
    .action(
      async (
        name: string,
        entries: string[],
        flags: { color?: string; json?: boolean },
        cmd: Command,
      ) => {
        const opts = commonOptions(cmd);
        const o = flags.color === undefined ? {} : { color: flags.color };
        const r = await withTarget(opts, async (t) =>
          t.kind === "remote" ? t.admin.tag(name, entries, o) : t.node.tag(name, entries, o),
        );
        if (flags.json === true) printJson(r);
        else process.stdout.write(`tag "${name}" (${r.tag}): ${r.changes} change(s) committed\n`);
      },
    );
  program
    .command("untag")
    .description("remove a tag from entries (tombstones the assignments)")
    .argument("<name>", "tag name")
    .argument("<entries...>", "entry ids (32 hex digits)")
    .option("--json", "print the result as JSON")
    .action(async (name: string, entries: string[], flags: { json?: boolean }, cmd: Command) => {
      const opts = commonOptions(cmd);
      const r = await withTarget(opts, async (t) =>
        t.kind === "remote"
          ? t.admin.tag(name, entries, { remove: true })
          : t.node.tag(name, entries, { remove: true }),
      );
      if (flags.json === true) printJson(r);
      else process.stdout.write(`untagged "${name}": ${r.changes} change(s) committed\n`);
    });
}
