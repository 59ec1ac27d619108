// Cases that need the target to act (TestControl) or to restart: the
// runner starts our node-peer from its command template and plays them
// over both protocols; without --control and --peer-cmd the CLI reports
// them SKIPPED with the reason, counted, never passed.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { freePort } from "@tidemark/chaos";
import { TestControlService } from "@tidemark/protocol/test-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Case, loadCases } from "../src/cases.js";
import { StubPeer } from "../src/control/stub-peer.js";
import { textReport } from "../src/report.js";
import { runConformance } from "../src/runner.js";
import type { WireProtocol } from "../src/transport.js";
import { type HarnessedPeer, initNodePeer, startHarnessedPeer } from "./node-peer-harness.js";

const BIN = join(import.meta.dirname, "..", "bin", "tidemark-conformance.mjs");
// Claimed callers: this target serves --insecure-loopback (the mTLS ones: own-confirmation.conformance.test.ts).
const needing = loadCases().filter(
  (c) => (c.needs ?? []).length > 0 && c.callers !== "authenticated",
);

describe("cases that need TestControl or a restart, against node-peer", () => {
  let peer: HarnessedPeer;
  beforeAll(async () => {
    peer = await startHarnessedPeer(undefined, { exchangeIntervalMs: 3_000 });
  }, 180_000);
  afterAll(async () => {
    await peer?.stop();
  }, 60_000);

  it("there are such cases, each declaring what it needs", () => {
    expect(needing.length).toBeGreaterThanOrEqual(7);
  });

  it.each<WireProtocol>(["connect", "grpc"])(
    "every one passes over %s with --control and the template",
    async (protocol) => {
      const report = await runConformance({
        target: { url: peer.url, protocol },
        library: peer.library,
        cases: needing,
        harness: peer.harness,
      });
      expect(
        report.results.filter((r) => r.verdict !== "pass"),
        textReport(report),
      ).toEqual([]);
      expect(report.results.length).toBe(needing.length);
    },
    180_000,
  );

  it("a target that never prunes (Prune unimplemented) gets the pruning cases skipped, not failed", async () => {
    // A TestControl that implements nothing: the stand-in peer serves SyncService only.
    const stub = new StubPeer(new Uint8Array(16).fill(7), new Uint8Array(16));
    const url = await stub.start();
    try {
      const prune: Case = {
        id: "prune-only",
        rules: ["TB-1"],
        title: "asks the target to prune",
        needs: ["control"],
        file: "synthetic.json",
        steps: [{ control: "Prune", expect: { response: {} } }],
      };
      const report = await runConformance({
        target: { url: peer.url, protocol: "connect" },
        library: peer.library,
        cases: [prune],
        harness: {
          control: createClient(
            TestControlService,
            createConnectTransport({ baseUrl: url, httpVersion: "2" }),
          ),
          close: async () => {},
        },
      });
      expect(report.results[0]).toMatchObject({
        verdict: "skipped",
        detail: "skipped: the target does not implement TestControl Prune",
      });
      expect(report.ok).toBe(true);
    } finally {
      await stub.stop();
    }
  }, 120_000);

  it("the CLI without --control or --peer-cmd skips them with the reason, and does not fail", () => {
    const ids = needing.map((c) => c.id);
    const r = spawnSync(
      process.execPath,
      [BIN, "--target", peer.url, "--library", peer.library, "--case", ...ids],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`cases skipped (${ids.length}, not passed):`);
    expect(r.stdout).toMatch(
      /SKIPPED restart-kill-resumes-stored-cursors \[EW-9\]: skipped: needs to restart the target: give --peer-cmd/,
    );
    expect(r.stdout).toMatch(
      /SKIPPED control-tag-id-derived-from-name \[RD-3\]: skipped: needs TestControl: give --control URL/,
    );
    expect(r.stdout).toMatch(new RegExp(`0 passed, 0 failed, .*${ids.length} skipped`));
    expect(r.stdout).toMatch(/^RD-3\s+skipped/m);
  }, 120_000);

  it("the CLI with --control, --peer-cmd and --peer-dir starts, restarts and stops the target itself", async () => {
    const fresh = initNodePeer();
    try {
      const url = `http://127.0.0.1:${await freePort()}`;
      const r = spawnSync(
        process.execPath,
        [
          BIN,
          ...["--target", url, "--library", fresh.library, "--control", url],
          ...["--peer-cmd", fresh.template, "--peer-dir", fresh.data],
          ...["--case", "restart-kill-resumes-stored-cursors", "control-tag-id-derived-from-name"],
        ],
        { encoding: "utf8", timeout: 120_000 },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/conformance PASSED: 2 cases, 2 passed, 0 failed, .*0 skipped/);
      expect(r.stderr).toContain("starting the target:");
    } finally {
      rmSync(fresh.root, { recursive: true, force: true });
    }
  }, 120_000);
});
