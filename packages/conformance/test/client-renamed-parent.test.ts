// RF-5 from the client side: node-peer, harnessed with a 16-change
// dependency buffer (TestControl Info reports it), finishes a pull whose
// renamed directories come after 40 children; the known-bad variant that
// never fetches awaited parents stalls and fails; without a bound to fill
// the scenario is skipped, never passed.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_FILLED_BOUND, RENAMED_PARENT_SCENARIOS } from "../src/client-mode/renamed-parent.js";
import { runClientScenarios } from "../src/client-mode/run.js";
import { openHarness } from "../src/control/harness.js";
import { textReport } from "../src/report.js";
import { startNodePeer, tidemarkCommand } from "./node-peer.js";
import { type HarnessedPeer, startHarnessedPeer } from "./node-peer-harness.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
}, 60_000);

const addPeer = (dir: string, variant?: string) => async (url: string) => {
  // Not spawnSync: the handshake calls the runner's server in this process.
  await promisify(execFile)(
    process.execPath,
    [...tidemarkCommand(variant), "--data", dir, "peer", "add", url, "--yes"],
    { timeout: 60_000 },
  );
};

async function runAgainst(variant?: string) {
  const peer: HarnessedPeer = await startHarnessedPeer(variant);
  stop = peer.stop;
  const control = peer.harness.control;
  const report = await runClientScenarios({
    clientUrl: peer.url,
    library: peer.library,
    protocol: "connect",
    timeoutMs: 15_000,
    scenarios: RENAMED_PARENT_SCENARIOS,
    ...(control === undefined ? {} : { control }),
    addPeer: addPeer(peer.dir, variant),
  });
  // How the reference got there: parents fetched by id (the buffer was filled).
  const metrics = await control?.metrics({}, { timeoutMs: 5_000 });
  const fetched = Object.entries(metrics?.values ?? {})
    .filter(([k]) => k.startsWith("tidemark_parents_fetched_total"))
    .reduce((n, [, v]) => n + v, 0);
  return { report, fetched };
}

describe("client finishes a pull past renamed parents (RF-5)", () => {
  it("node-peer with a 16-change buffer finishes the pull and shows every row", async () => {
    const { report, fetched } = await runAgainst();
    expect(
      report.results.map((r) => [r.id, r.verdict]),
      textReport(report),
    ).toEqual([["client-finishes-pull-past-renamed-parents", "pass"]]);
    expect(fetched).toBeGreaterThan(0);
  }, 240_000);

  it("a client that does not fetch the awaited parents (noParentsById) stalls and fails with what it did", async () => {
    const { report } = await runAgainst("noParentsById");
    const [r] = report.results;
    expect(r?.verdict, textReport(report)).toBe("fail");
    expect(r?.detail).toMatch(
      /never finished pulling .* after 40 children .* holds 16\): no progress for/,
    );
    expect(r?.detail).toMatch(/still pulling; \d+ of 43 entries visible; \d+ held but not visible/);
    expect(report.ok).toBe(false);
  }, 240_000);

  it("without TestControl it is skipped with the flag it needs, never passed", async () => {
    // Nothing is called: the scenario is skipped before it serves anything.
    const report = await runClientScenarios({
      clientUrl: "http://127.0.0.1:1",
      library: "00".repeat(16),
      protocol: "connect",
      scenarios: RENAMED_PARENT_SCENARIOS,
    });
    expect(report.results.map((r) => [r.verdict, r.detail?.match(/--control/)?.[0]])).toEqual([
      ["skipped", "--control"],
    ]);
    expect(report.ok).toBe(true);
  }, 60_000);

  it("a client whose buffer is too big to fill in a scenario is skipped, never passed", async () => {
    // node-peer's default bound (50 000 per origin), reported by Info.
    const peer = await startNodePeer({ serveFlags: ["--insecure-loopback", "--test-control"] });
    stop = peer.stop;
    const harness = await openHarness({ controlUrl: peer.url });
    const report = await runClientScenarios({
      clientUrl: peer.url,
      library: peer.library,
      protocol: "connect",
      scenarios: RENAMED_PARENT_SCENARIOS,
      ...(harness.control === undefined ? {} : { control: harness.control }),
    });
    const [r] = report.results;
    expect(r?.verdict).toBe("skipped");
    expect(r?.detail).toContain(`at most ${MAX_FILLED_BOUND}`);
  }, 240_000);
});
