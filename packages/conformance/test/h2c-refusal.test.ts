// TI-10 with our node-peer: `serve --insecure-loopback` answers h2c on
// 127.0.0.1 and refuses --host 0.0.0.0 before it listens. A target that
// serves h2c whatever host it is asked for fails the check; one that never
// serves fails its control. Only 127.0.0.1 is ever bound or dialled here.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runH2cRefusal } from "../src/tls/h2c-refusal.js";
import { tidemarkCommand } from "./node-peer.js";

const BIN = join(import.meta.dirname, "..", "bin", "tidemark-conformance.mjs");
const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
// Serves h2c on 127.0.0.1 whatever {host} says: what TI-10 forbids, seen through loopback.
const IGNORES_HOST = `${q(process.execPath)} -e 'require("node:http2").createServer((_, res) => res.end("x")).listen(Number(process.argv[1]), "127.0.0.1")' {port} {host}`;

describe("h2c only on loopback (TI-10)", () => {
  let dir: string;
  let serveCmd: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tidemark-h2c-"));
    const argv = [process.execPath, ...tidemarkCommand(), "--data", dir];
    const init = spawnSync(argv[0] as string, [...argv.slice(1), "init", "--library", "h2c"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(init.status, init.stderr).toBe(0);
    serveCmd = `${argv.map(q).join(" ")} serve --insecure-loopback --host {host} --port {port}`;
  }, 180_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("node-peer serves h2c on 127.0.0.1 and refuses the wildcard address", async () => {
    const results = await runH2cRefusal({ serveCmd, readyMs: 60_000 });
    expect(results.map((r) => [r.id, r.ok])).toEqual([
      ["h2c-served-on-loopback", true],
      ["h2c-refused-on-wildcard", true],
    ]);
    expect(results[1]?.detail).toMatch(
      /refused: exited 1?.*insecure-loopback is refused on --host 0\.0\.0\.0/,
    );
  }, 180_000);

  it("fails a target that serves h2c whatever host it is given", async () => {
    const results = await runH2cRefusal({ serveCmd: IGNORES_HOST, readyMs: 30_000 });
    expect(results.map((r) => [r.id, r.ok])).toEqual([
      ["h2c-served-on-loopback", true],
      ["h2c-refused-on-wildcard", false],
    ]);
    expect(results[1]?.detail).toMatch(/served h2c when asked for --host 0\.0\.0\.0/);
  }, 120_000);

  it("fails the control of a target that never serves, and judges nothing else", async () => {
    const results = await runH2cRefusal({ serveCmd: "exit 3 # {host} {port}", readyMs: 5_000 });
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(results[0]?.detail).toMatch(/exited 3/);
  }, 60_000);

  it("the CLI prints both verdicts and exits 1 for a target that serves on any host", () => {
    const r = spawnSync(process.execPath, [BIN, "h2c-refusal", "--serve-cmd", IGNORES_HOST], {
      encoding: "utf8",
      timeout: 90_000,
    });
    expect(r.stdout).toMatch(/^pass +h2c-served-on-loopback \[TI-10\]/m);
    expect(r.stdout).toMatch(/^fail +h2c-refused-on-wildcard \[TI-10\]/m);
    expect(r.status).toBe(1);
  }, 120_000);
});
