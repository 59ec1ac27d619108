// TI-9 with our node-peer as the client under test: `tidemark peer add URL
// --device-id ID` against a TLS server whose certificate proves another id
// completes the handshake but sends no request; with the right id it calls.
// Also through the CLI (`client-pin --add-peer-cmd`).
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runClientPin } from "../src/tls/client-pin.js";
import { tidemarkCommand } from "./node-peer.js";

const BIN = join(import.meta.dirname, "..", "bin", "tidemark-conformance.mjs");

describe("a client checks the pinned server id before any request (TI-9)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tidemark-client-pin-"));
    const init = spawnSync(
      process.execPath,
      [...tidemarkCommand(), "--data", dir, "init", "--library", "pin", "--name", "client"],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(init.status, init.stderr).toBe(0);
  }, 180_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("node-peer's peer add refuses a server proving another id without a request, and calls the pinned one", async () => {
    const results = await runClientPin({
      addPeer: async (url, device) => {
        await promisify(execFile)(
          process.execPath,
          [
            ...tidemarkCommand(),
            "--data",
            dir,
            "peer",
            "add",
            url,
            "--device-id",
            device,
            "--wait",
            "2",
          ],
          { timeout: 60_000 },
        );
      },
      windowMs: 3_000,
    });
    expect(results.map((r) => [r.id, r.ok])).toEqual([
      ["client-refuses-unpinned-server", true],
      ["client-calls-pinned-server", true],
    ]);
    expect(results[0]?.detail).toMatch(/handshake\(s\), no request/);
  }, 120_000);

  it("the CLI prints both verdicts and exits 0", () => {
    const cmd = `${[process.execPath, ...tidemarkCommand()].map((a) => `'${a}'`).join(" ")} --data '${dir}' peer add {url} --device-id {device} --wait 2`;
    const run = spawnSync(
      process.execPath,
      [BIN, "client-pin", "--add-peer-cmd", cmd, "--window-ms", "3000"],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^pass\s+client-refuses-unpinned-server \[TI-9\]/m);
    expect(run.stdout).toMatch(/^pass\s+client-calls-pinned-server \[TI-9\]/m);
  }, 120_000);
});
