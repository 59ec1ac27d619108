// Client under test: our node-peer syncs with the runner (added as its
// peer with `tidemark peer add`) and passes every scenario; the engine's
// decision-side known-bad variants fail the scenarios of their rules.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { runClientScenarios } from "../src/client-mode/run.js";
import { SCENARIOS } from "../src/client-mode/scenarios.js";
import { openHarness } from "../src/control/harness.js";
import { textReport } from "../src/report.js";
import { type RunningPeer, SERVE_FLAGS, startNodePeer, tidemarkCommand } from "./node-peer.js";

// Short timers, declared to the runner: the NT-1 and EW-6 scenarios run.
const TIMERS = { exchangeIntervalMs: 2_000, reconcileDeferMs: 1_000 };

let peer: RunningPeer | undefined;
afterEach(async () => {
  await peer?.stop();
  peer = undefined;
}, 60_000);

async function runAgainst(variant?: string) {
  peer = await startNodePeer({
    ...(variant === undefined ? {} : { variant }),
    serveFlags: [
      ...SERVE_FLAGS,
      "--exchange-interval-ms",
      String(TIMERS.exchangeIntervalMs),
      "--reconcile-defer-ms",
      String(TIMERS.reconcileDeferMs),
      // TestControl with a small dependency buffer (Info reports it): RF-5 runs.
      "--test-control",
      "--dependency-buffer-max",
      "16",
    ],
  });
  const p = peer;
  const { control } = await openHarness({ controlUrl: p.url });
  return runClientScenarios({
    ...(control === undefined ? {} : { control }),
    clientUrl: p.url,
    library: p.library,
    protocol: "connect",
    timeoutMs: 15_000,
    timers: TIMERS,
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

  it("a scenario waiting for an undeclared timer is skipped with the flag it needs, never passed", async () => {
    const timed = SCENARIOS.filter((s) => (s.needs ?? []).length > 0);
    expect(timed.map((s) => s.id).sort()).toEqual([
      "client-pulls-stream-a-notice-left-out",
      "client-reconciles-after-deferring",
    ]);
    // Nothing is called: the scenarios are skipped before they run.
    const report = await runClientScenarios({
      clientUrl: "http://127.0.0.1:1",
      library: "00".repeat(16),
      protocol: "connect",
      scenarios: timed,
    });
    expect(report.results.map((r) => [r.id, r.verdict, r.detail?.match(/--[a-z-]+/)?.[0]])).toEqual(
      [
        ["client-pulls-stream-a-notice-left-out", "skipped", "--exchange-interval-ms"],
        ["client-reconciles-after-deferring", "skipped", "--reconcile-defer-ms"],
      ],
    );
    expect(report.ok).toBe(true);
  }, 60_000);
});
