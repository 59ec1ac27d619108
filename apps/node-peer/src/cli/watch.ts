// `tidemark watch [PATH…]`: follow locations live. With a serve running,
// that serve starts watching them (and every later serve does); without
// one, this process watches them in the foreground until Ctrl-C, committing
// each change as it happens (peers get it when a serve runs).
import { resolve } from "node:path";
import type { Command } from "commander";
import { CliError, CliErrorCode } from "../errors.js";
import type { IndexProgress } from "../indexer/scanner.js";
import { ProgressLine } from "../progress.js";
import { commonOptions, printJson, say } from "./common.js";
import { describeIndexResult, describeProgress } from "./index-cmd.js";

export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description("follow locations live: changes on disk are committed within a second and synced")
    .argument(
      "[paths...]",
      "directories (indexed first when new); default: every location of this device",
    )
    .option("--json", "print the watched locations as JSON")
    .action(async (paths: string[], flags: { json?: boolean }, cmd: Command) => {
      const opts = commonOptions(cmd);
      const abs = paths.map((p) => resolve(p));
      const { runningOwner } = await import("./target.js");
      const owner = await runningOwner(opts.data);
      if (owner !== undefined) {
        const { AdminClient } = await import("../admin/admin-client.js");
        const { dataDirPaths } = await import("../config/data-dir.js");
        const tokenFile = dataDirPaths(opts.data).adminToken;
        const watched = await new AdminClient(owner.adminPort, tokenFile).watch({ paths: abs });
        if (flags.json === true) return printJson(watched);
        for (const l of watched)
          say(`watching  ${l.path} (${l.entries} entries) in ${owner.role} pid ${owner.pid}`);
        return;
      }
      await watchInForeground(opts, abs);
    });
}

async function watchInForeground(
  opts: { data: string; logLevel: string },
  paths: readonly string[],
) {
  const { acquireOwnership } = await import("./target.js");
  const { PeerNode } = await import("../peer-node.js");
  const { own } = await import("./owner.js");
  const lock = await acquireOwnership(opts, "watch");
  const node = await PeerNode.open({
    dataDir: opts.data,
    lock,
    terminalLevel: opts.logLevel === "silent" ? "silent" : "info",
  }).catch((err: unknown) => {
    lock.release();
    throw err;
  });
  const owner = await own({ node, role: "watch", adminPort: 0 });
  const { locations } = node;
  try {
    const targets = paths.length === 0 ? [...locations.all()] : [];
    if (targets.length === 0 && paths.length === 0) {
      throw new CliError(
        CliErrorCode.InvalidArgument,
        "no locations to watch",
        "give a directory: `tidemark watch DIR`",
      );
    }
    for (const path of paths) {
      const line = new ProgressLine();
      const r = await locations.index(path, (p: IndexProgress) =>
        line.update(describeProgress(p, path), p.phase === "done"),
      );
      line.clear();
      for (const l of describeIndexResult(r, node.paths.logFile)) say(l);
      targets.push(locations.find(r.locationId));
    }
    for (const loc of targets) {
      await locations.watch(loc, true);
      say(`watching  ${loc.path}`);
    }
  } catch (err) {
    await owner.stop("watch failed to start");
    throw err;
  }
  say(
    "changes are committed as they happen and reach peers while `tidemark serve` runs; Ctrl-C stops",
  );
  await owner.done;
}
