// `tidemark status`: this replica's streams, and per peer whether it is in
// sync (and why not), stream by stream, with metrics.
import type { Command } from "commander";
import { commonOptions, printJson } from "./common.js";
import { renderStatus } from "./render-status.js";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description(
      "per peer: in sync or why not; per stream: cursors, lag, counts, fingerprints; metrics",
    )
    .option("--json", "print the full report as JSON")
    .option("--no-probe", "do not ask peers for their watermarks")
    .action(async (flags: { json?: boolean; probe: boolean }, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const report = await withApi(commonOptions(cmd), "status", (api) =>
        api.status({ probe: flags.probe }),
      );
      if (flags.json === true) printJson(report);
      else process.stdout.write(renderStatus(report));
    });
}
