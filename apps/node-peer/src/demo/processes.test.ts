import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CliError } from "../errors.js";
import { killAllChildren, runCli, startServe } from "./processes.js";

const dir = mkdtempSync(join(tmpdir(), "tidemark-processes-"));
afterAll(() => {
  killAllChildren();
  rmSync(dir, { recursive: true, force: true });
});

describe("startServe", () => {
  test("reports the ports serve bound itself, so no port is picked ahead and lost", async () => {
    const data = join(dir, "a");
    const init = await runCli(["--data", data, "init", "--library", "p", "--name", "a"]);
    expect(init.code, init.stderr).toBe(0);
    const s = await startServe({ dataDir: data, outFile: `${data}.out` });
    try {
      expect(s.port).toBeGreaterThan(0);
      expect(s.url).toBe(`https://127.0.0.1:${s.port}`);
      // The port is really held: binding it again fails.
      const probe = createServer();
      const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
        probe.once("error", resolve);
        probe.listen(s.port, "127.0.0.1", () => probe.close(() => resolve(new Error("bound"))));
      });
      expect(err.code).toBe("EADDRINUSE");
    } finally {
      s.child.kill("SIGTERM");
      await s.exited;
    }
  }, 120_000);

  test("fails at once with serve's own output when serve exits before listening", async () => {
    const err = await startServe({
      dataDir: join(dir, "never-initialised"),
      outFile: join(dir, "never.out"),
      timeoutMs: 60_000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(/exited \(\d+\) before it listened/);
    expect((err as CliError).message).toContain("never.out ends:");
  }, 120_000);
});
