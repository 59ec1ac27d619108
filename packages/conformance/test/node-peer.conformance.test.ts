// Our node-peer passes every case, over the Connect protocol and over
// gRPC, served with mutual TLS as the product ships: one real `tidemark
// serve` per protocol that paired the run's case identities before it
// started (`peer add --ids-file`), reused by every case; the CLI's own exit
// status and summary line too. The cases that need claimed callers (a
// target believing the request's device_id) run against an h2c
// (--insecure-loopback) node-peer: only there can a caller sign as it likes.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCases } from "../src/cases.js";
import { identitiesNeeded } from "../src/identities.js";
import { textReport } from "../src/report.js";
import { runConformance } from "../src/runner.js";
import type { WireProtocol } from "../src/transport.js";
import {
  type RunningMtlsPeer,
  type RunningPeer,
  startMtlsPeer,
  startNodePeer,
} from "./node-peer.js";

const BIN = join(import.meta.dirname, "..", "bin", "tidemark-conformance.mjs");
const cases = loadCases();
const claimedOnly = cases.filter((c) => c.callers === "claimed");

describe.each<WireProtocol>(["connect", "grpc"])("node-peer over %s, mutual TLS", (protocol) => {
  let peer: RunningMtlsPeer;
  beforeAll(async () => {
    // One run of every case, and two one-case CLI runs.
    peer = await startMtlsPeer({
      identities: identitiesNeeded(cases.filter((c) => c.callers !== "claimed")) + 6,
    });
  }, 180_000);
  afterAll(async () => {
    await peer?.stop();
  }, 60_000);

  it("passes every case that needs no claimed caller", async () => {
    const report = await runConformance({
      target: { url: peer.url, protocol, serverDeviceId: peer.deviceId },
      library: peer.library,
      cases,
      identities: peer.identities,
    });
    // Skipped: the cases needing TestControl or a restart (target-control.conformance.test.ts).
    const failed = report.results.filter(
      (r) => r.verdict !== "pass" && r.verdict !== "not-applicable" && r.verdict !== "skipped",
    );
    expect(failed, textReport(report)).toEqual([]);
    // Sorted: over mutual TLS the runner plays cases that rewire the target's peers last.
    expect(
      report.results
        .filter((r) => r.verdict === "skipped")
        .map((r) => r.id)
        .sort(),
    ).toEqual(
      cases
        .filter((c) => (c.needs ?? []).length > 0 && c.callers !== "claimed")
        .map((c) => c.id)
        .sort(),
    );
    expect(report.callers).toBe("authenticated");
    expect(report.results.length).toBe(cases.length);
    expect(
      report.results
        .filter((r) => r.verdict === "not-applicable")
        .map((r) => r.id)
        .sort(),
    ).toEqual(claimedOnly.map((c) => c.id).sort());
  }, 300_000);

  it("the CLI prints the rule table and a passing summary line, and fails a known-failing case that passes", () => {
    const one = cases.find((c) => c.callers === undefined)?.id as string;
    const args = [
      BIN,
      "--target",
      peer.url,
      "--library",
      peer.library,
      "--protocol",
      protocol,
      "--server-device-id",
      peer.deviceId,
      "--identities",
      peer.identitiesDir,
      "--case",
      one,
    ];
    const ok = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 120_000 });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^rule\s+result\s+cases$/m);
    expect(ok.stdout).toMatch(/conformance PASSED: 1 cases, 1 passed, 0 failed/);
    expect(ok.stdout).toContain("authenticated callers");
    const listed = join(peer.dir, "known-failing.txt");
    writeFileSync(listed, `# expected to fail\n${one}\n`);
    const bad = spawnSync(process.execPath, [...args, "--known-failing", listed, "--json"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(bad.status, bad.stderr).toBe(1);
    const json = JSON.parse(bad.stdout) as { results: { verdict: string }[] };
    expect(json.results[0]?.verdict).toBe("unexpected-pass");
  }, 180_000);
});

describe("node-peer with claimed callers (h2c, --insecure-loopback)", () => {
  let peer: RunningPeer;
  beforeAll(async () => {
    peer = await startNodePeer();
  }, 180_000);
  afterAll(async () => {
    await peer?.stop();
  }, 60_000);

  it.each<WireProtocol>(["connect", "grpc"])(
    "passes the cases that need claimed callers over %s; the mutual-TLS ones are not applicable",
    async (protocol) => {
      // Those needing TestControl run with the harnessed ones (target-control.conformance.test.ts).
      const report = await runConformance({
        target: { url: peer.url, protocol },
        library: peer.library,
        cases: cases.filter((c) => c.callers !== undefined && (c.needs ?? []).length === 0),
      });
      const failed = report.results.filter(
        (r) => r.verdict !== "pass" && r.verdict !== "not-applicable",
      );
      expect(failed, textReport(report)).toEqual([]);
      expect(report.results.filter((r) => r.verdict === "pass").map((r) => r.id)).toEqual(
        claimedOnly.filter((c) => (c.needs ?? []).length === 0).map((c) => c.id),
      );
    },
    180_000,
  );
});
