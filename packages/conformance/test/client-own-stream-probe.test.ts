// OR-5 from the client side: node-peer, stuck mid-pull of the runner's own
// stream (a page with holes, then a cut call) while the runner lists it
// with no cursor and pulling, probes the runner after all it applied and
// finishes the pull once a cursor is listed again.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { OWN_STREAM_PROBE_SCENARIOS } from "../src/client-mode/own-stream-probe.js";
import { runClientScenarios } from "../src/client-mode/run.js";
import { textReport } from "../src/report.js";
import { tidemarkCommand } from "./node-peer.js";
import { type HarnessedPeer, startHarnessedPeer } from "./node-peer-harness.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
}, 60_000);

describe("client probes an origin listing no cursor (OR-5)", () => {
  it("node-peer probes the runner after the seqs it applied and finishes its pull", async () => {
    const peer: HarnessedPeer = await startHarnessedPeer();
    stop = peer.stop;
    const control = peer.harness.control;
    const report = await runClientScenarios({
      clientUrl: peer.url,
      library: peer.library,
      protocol: "connect",
      timeoutMs: 15_000,
      scenarios: OWN_STREAM_PROBE_SCENARIOS,
      ...(control === undefined ? {} : { control }),
      addPeer: async (url) => {
        // Not spawnSync: the handshake calls the runner's server in this process.
        await promisify(execFile)(
          process.execPath,
          [...tidemarkCommand(), "--data", peer.dir, "peer", "add", url, "--yes"],
          { timeout: 60_000 },
        );
      },
    });
    expect(
      report.results.map((r) => [r.id, r.verdict]),
      textReport(report),
    ).toEqual([["client-probes-origin-listing-no-cursor", "pass"]]);
    const metrics = await control?.metrics({}, { timeoutMs: 5_000 });
    const probes = Object.entries(metrics?.values ?? {})
      .filter(([k]) => k.startsWith("tidemark_origin_probes_total"))
      .reduce((n, [, v]) => n + v, 0);
    expect(probes).toBeGreaterThan(0);
  }, 240_000);
});
