// The `tidemark` commands as a user runs them: exit codes, --help, JSON
// output, and commands routed to a running serve.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { afterEach, describe, expect, test } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { runCli } from "../../src/demo/processes.js";
import { ExitCode } from "../../src/errors.js";
import { Cluster } from "./cluster.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
}, 30_000);

describe("tidemark CLI", () => {
  test("every command has --help", () => {
    const seen: string[] = [];
    const walk = (cmd: Command): void => {
      for (const sub of cmd.commands) {
        seen.push(sub.name());
        expect(sub.helpInformation(), sub.name()).toContain("--help");
        walk(sub);
      }
    };
    walk(buildProgram());
    expect(seen).toEqual(
      expect.arrayContaining([
        "init",
        "index",
        "serve",
        "peer",
        "add",
        "list",
        "status",
        "tag",
        "untag",
        "verify",
      ]),
    );
  });

  test("exit codes: not initialised, unknown peer, bad flag, and a full round through a running serve", async () => {
    cluster = new Cluster();
    const missing = await runCli(["status", "--data", `${cluster.dir}/nope`]);
    expect(missing.code).toBe(ExitCode.DataDir);
    expect(missing.stderr).toContain("tidemark init");

    const a = await cluster.add("A");
    const b = await cluster.add("B");
    const again = await runCli(["init", "--library", "x", "--data", a.dataDir]);
    expect(again.code).toBe(ExitCode.DataDir);
    expect((await runCli(["serve", "--data", a.dataDir, "--port", "70000"])).code).toBe(
      ExitCode.Usage,
    );

    await a.start();
    await b.start();
    const add = await runCli(["peer", "add", b.url, "--data", a.dataDir, "--json"]);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ deviceId: b.deviceId, url: b.url, name: "B" });
    await b.admin.addPeer({ url: a.url, waitMs: 10_000 });

    const tree = cluster.tree("t", 120);
    const indexed = await runCli(["index", tree, "--data", a.dataDir, "--json"]);
    expect(indexed.code).toBe(0);
    const result = JSON.parse(indexed.stdout) as { entries: number; sampleEntryIds: string[] };
    expect(result.entries).toBeGreaterThan(120);
    const tagged = await runCli([
      "tag",
      "blue",
      ...result.sampleEntryIds.slice(0, 2),
      "--data",
      b.dataDir,
    ]);
    expect(tagged.code).toBe(0);

    await cluster.converged();
    const verify = await runCli(["verify", b.deviceId.slice(0, 12), "--data", a.dataDir]);
    expect(verify.stdout).toContain("in sync ✓");
    expect(verify.code).toBe(0);
    expect((await runCli(["verify", "nobody", "--data", a.dataDir])).code).toBe(ExitCode.Usage);

    const status = await runCli(["status", "--json", "--data", b.dataDir]);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as {
      serving: boolean;
      liveRows: string;
      peers: { inSync: boolean }[];
    };
    expect(report.serving).toBe(true);
    expect(report.peers[0]?.inSync).toBe(true);

    // SIGTERM: graceful stop, exit 0, serve.json removed, DB closed cleanly.
    const exited = b.proc?.exited;
    b.proc?.child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(existsSync(join(b.dataDir, "serve.json"))).toBe(false);
    expect(readFileSync(b.logFile, "utf8")).toContain('"event":"shutdown"');
    const offline = await runCli(["status", "--json", "--no-probe", "--data", b.dataDir]);
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.stdout)).toMatchObject({ serving: false, liveRows: report.liveRows });

    const down = await runCli(["verify", b.deviceId, "--data", a.dataDir]);
    expect(down.code).toBe(ExitCode.PeerUnavailable);
  }, 120_000);
});
