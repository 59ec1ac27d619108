// `tidemark verify PEER`: one ExchangeWatermarks with one peer, a per-stream
// report; exit 0 only when in sync, 4 when the peer did not answer or
// refused (with its Connect code), 5 when streams differ.
import type { Command } from "commander";
import { CliError, CliErrorCode } from "../errors.js";
import type { VerifyReport } from "../peer-node.js";
import { commonOptions, printJson, seconds } from "./common.js";
import { renderPeer } from "./render-status.js";

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("exchange watermarks with one peer and report per stream (exit 5 if they differ)")
    .argument("<peer>", "peer device id (or prefix), name or URL")
    .option("--wait <seconds>", "keep asking until in sync, for up to this long")
    .option("--json", "print the report as JSON")
    .action(async (peer: string, flags: { json?: boolean; wait?: string }, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const deadline = Date.now() + (flags.wait === undefined ? 0 : seconds(flags.wait, "--wait"));
      let report: VerifyReport;
      for (;;) {
        report = await withApi(commonOptions(cmd), "verify", (api) => api.verify({ peer }));
        if (report.converged || Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (flags.json === true) printJson(report);
      else process.stdout.write(`${renderPeer(report.peer)}\n`);
      const p = report.peer;
      if (p.contact === "unreachable" || p.contact === "refused") {
        throw new CliError(
          CliErrorCode.PeerUnavailable,
          `peer ${peer} ${p.contact === "refused" ? `refused the exchange (${p.errorCode})` : "is unreachable"}: ${p.error}`,
        );
      }
      if (!report.converged)
        throw new CliError(CliErrorCode.NotConverged, `not in sync: ${p.reason}`);
    });
}
