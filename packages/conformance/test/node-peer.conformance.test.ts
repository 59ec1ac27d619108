// Our node-peer passes every case, over the Connect protocol and over
// gRPC: one real `tidemark serve` process per protocol (h2c on 127.0.0.1),
// reused by every case; the CLI's own exit status and summary line too.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCases } from "../src/cases.js";
import { textReport } from "../src/report.js";
import { runConformance } from "../src/runner.js";
import type { WireProtocol } from "../src/transport.js";
import { type RunningPeer, startNodePeer } from "./node-peer.js";

const BIN = join(import.meta.dirname, "..", "bin", "tidemark-conformance.mjs");
const cases = loadCases();

describe.each<WireProtocol>(["connect", "grpc"])("node-peer over %s", (protocol) => {
  let peer: RunningPeer;
  beforeAll(async () => {
    peer = await startNodePeer();
  }, 180_000);
  afterAll(async () => {
    await peer?.stop();
  }, 60_000);

  it("passes every case", async () => {
    const report = await runConformance({
      target: { url: peer.url, protocol },
      library: peer.library,
      cases,
    });
    const failed = report.results.filter((r) => r.verdict !== "pass");
    expect(failed, textReport(report)).toEqual([]);
    expect(report.results.length).toBe(cases.length);
  }, 180_000);

  it("the CLI prints the rule table and a passing summary line, and fails a known-failing case that passes", () => {
    const one = cases[0]?.id as string;
    const ok = spawnSync(
      process.execPath,
      [BIN, "--target", peer.url, "--library", peer.library, "--protocol", protocol, "--case", one],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^rule\s+result\s+cases$/m);
    expect(ok.stdout).toMatch(/conformance PASSED: 1 cases, 1 passed, 0 failed/);
    const listed = join(peer.dir, "known-failing.txt");
    require_write(listed, `# expected to fail\n${one}\n`);
    const bad = spawnSync(
      process.execPath,
      [
        BIN,
        "--target",
        peer.url,
        "--library",
        peer.library,
        "--protocol",
        protocol,
        "--case",
        one,
        "--known-failing",
        listed,
        "--json",
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(bad.status).toBe(1);
    const json = JSON.parse(bad.stdout) as { results: { verdict: string }[] };
    expect(json.results[0]?.verdict).toBe("unexpected-pass");
  }, 180_000);
});

import { writeFileSync as require_write } from "node:fs";
