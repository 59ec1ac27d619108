// `tidemark verify PEER`: one ExchangeWatermarks with one peer, a per-stream
// report, exit code 0 only when every stream is equal.
import type { Command } from "commander";
import { CliError, CliErrorCode } from "../errors.js";
import { commonOptions, printJson } from "./common.js";
import { renderPeer } from "./status.js";
import { withTarget } from "./target.js";

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description(
      "exchange watermarks with one peer once and report per stream (exit 5 if they differ)",
    )
    .argument("<peer>", "peer device id (or prefix), name or URL")
    .option("--json", "print the report as JSON")
    .action(async (peer: string, flags: { json?: boolean }, cmd: Command) => {
      const opts = commonOptions(cmd);
      const report = await withTarget(opts, (t) =>
        t.kind === "remote" ? t.admin.verify(peer) : t.node.verify(peer),
      );
      if (flags.json === true) printJson(report);
      else process.stdout.write(`${renderPeer(report.peer)}\n`);
      if (report.peer.reachable === false) {
        throw new CliError(
          CliErrorCode.PeerUnavailable,
          `peer ${peer} unreachable: ${report.peer.error}`,
        );
      }
      if (!report.converged) throw new CliError(CliErrorCode.NotConverged, "replicas differ");
    });
}
