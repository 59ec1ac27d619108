// AU-7 against node-peer: own streams are confirmed only on the watermarks
// of authenticated paired peers, and a peer that refused with
// LIBRARY_MISMATCH is not waited for. The authenticated half needs the
// target over mutual TLS with TestControl (answered to paired devices
// only), its stand-in peers serving TLS as the case's identities; the
// claimed half runs with the other harnessed cases
// (target-control.conformance.test.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@tidemark/chaos";
import { fillTemplate } from "@tidemark/chaos/template";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCases } from "../src/cases.js";
import { textReport } from "../src/report.js";
import { runConformance } from "../src/runner.js";
import type { MtlsHarnessedPeer } from "./mtls-harness.js";
import { nodePeerDeviceId, pairIdentities, startMtlsHarnessedPeer } from "./mtls-harness.js";
import { runnerFor } from "./node-peer-harness.js";

const BIN = join(import.meta.dirname, "..", "bin", "tidemark-conformance.mjs");
const AU7 = loadCases().filter((c) => c.rules.includes("AU-7"));
const authenticated = AU7.filter((c) => c.callers === "authenticated");

describe("AU-7 over a mutual-TLS node-peer with TestControl", () => {
  let peer: MtlsHarnessedPeer;
  beforeAll(async () => {
    peer = await startMtlsHarnessedPeer({ identities: 8 });
  }, 180_000);
  afterAll(async () => {
    await peer?.stop();
  }, 60_000);

  it("there are AU-7 cases for both kinds of caller", () => {
    expect(authenticated.length).toBeGreaterThanOrEqual(1);
    expect(AU7.filter((c) => c.callers === "claimed").length).toBeGreaterThanOrEqual(1);
  });

  it("the authenticated AU-7 cases pass, TestControl called as each case's paired @me", async () => {
    const report = await runConformance({
      target: { url: peer.url, protocol: "connect", serverDeviceId: peer.deviceId },
      library: peer.library,
      cases: authenticated,
      identities: peer.identities,
      harness: peer.harness,
    });
    expect(
      report.results.filter((r) => r.verdict !== "pass"),
      textReport(report),
    ).toEqual([]);
    expect(report.results.length).toBe(authenticated.length);
  }, 180_000);
});

describe("the CLI with an https:// --control and --peer-cmd", () => {
  let root = "";
  afterAll(() => {
    if (root !== "") rmSync(root, { recursive: true, force: true });
  });

  it("starts the mutual-TLS target itself, pinned, and passes the authenticated AU-7 cases", async () => {
    root = mkdtempSync(join(tmpdir(), "tidemark-conformance-mtls-cli-"));
    const data = join(root, "data");
    const pool = join(root, "pool");
    const library = "a7".repeat(16);
    const runner = runnerFor();
    const init = spawnSync(
      "sh",
      [
        "-c",
        fillTemplate(
          `${runner} --data {dir} init --library conformance --library-id {library} --name target`,
          { dir: data, library },
        ),
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(init.status, init.stderr).toBe(0);
    await pairIdentities(data, pool, 8);
    const url = `https://127.0.0.1:${await freePort()}`;
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        ...["--target", url, "--library", library, "--control", url],
        ...["--server-device-id", nodePeerDeviceId(data), "--identities", pool],
        ...[
          "--peer-cmd",
          `${runner} --data {dir} --log-level warn serve --port {port} --test-control`,
        ],
        ...["--peer-dir", data],
        ...["--case", ...authenticated.map((c) => c.id)],
      ],
      { encoding: "utf8", timeout: 150_000 },
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `conformance PASSED: ${authenticated.length} cases?, ${authenticated.length} passed, 0 failed`,
      ),
    );
  }, 180_000);
});
