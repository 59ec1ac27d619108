// The `tidemark` commands as a user runs them, as real processes: exit
// codes, --help, JSON output, commands routed to a running serve, tagging
// by path, and honest peer and sync states.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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
        "info",
        "index",
        "watch",
        "serve",
        "peer",
        "add",
        "remove",
        "list",
        "location",
        "ls",
        "find",
        "status",
        "tag",
        "untag",
        "tags",
        "verify",
      ]),
    );
  });

  test("exit codes: not initialised, already initialised, bad port, unknown peer", async () => {
    cluster = new Cluster();
    const missing = await runCli(["status", "--data", `${cluster.dir}/nope`]);
    expect(missing.code).toBe(ExitCode.DataDir);
    expect(missing.stderr).toContain("tidemark init");
    const a = await cluster.add("A");
    expect((await runCli(["init", "--library", "x", "--data", a.dataDir])).code).toBe(
      ExitCode.DataDir,
    );
    expect((await runCli(["serve", "--data", a.dataDir, "--port", "70000"])).code).toBe(
      ExitCode.Usage,
    );
    expect((await runCli(["verify", "nobody", "--data", a.dataDir])).code).toBe(ExitCode.Usage);
  }, 60_000);

  test("init's hint keeps --data", async () => {
    cluster = new Cluster();
    const dir = join(cluster.dir, "hinted");
    const r = await runCli(["init", "--library", "lib", "--data", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`tidemark --data ${dir} serve`);
    expect(r.stdout).toContain(`tidemark --data ${dir} index`);
  }, 30_000);

  test("tagging by path works through a running serve; unknown paths, ids and colours are refused", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const b = await cluster.add("B");
    await cluster.startMesh();
    const tree = cluster.tree("t", 60);
    const indexed = await runCli(["index", tree, "--data", a.dataDir, "--json"]);
    expect(indexed.code).toBe(0);
    const file = join(tree, "d0-0", "file-0-1.txt");
    expect(existsSync(file)).toBe(true);

    const tagged = await runCli([
      "tag",
      "blue",
      file,
      "--color",
      "#00F",
      "--data",
      a.dataDir,
      "--json",
    ]);
    expect(tagged.code).toBe(0);
    const t = JSON.parse(tagged.stdout) as {
      color: string;
      entries: { path: string; id: string }[];
    };
    expect(t.color).toBe("#0000ff");
    expect(t.entries.map((e) => e.path)).toEqual([file]);

    // The id tags on any device; ls shows the tag on the entry.
    const byId = await runCli(["tag", "red", t.entries[0]?.id ?? "", "--data", a.dataDir]);
    expect(byId.code).toBe(0);
    const ls = await runCli(["ls", join(tree, "d0-0"), "--data", a.dataDir, "--json"]);
    const listed = JSON.parse(ls.stdout) as { children: { name: string; tags: string[] }[] };
    expect(listed.children.find((c) => c.name === "file-0-1.txt")?.tags).toEqual(["blue", "red"]);

    const unknown = await runCli(["tag", "blue", join(tree, "no-such-file"), "--data", a.dataDir]);
    expect(unknown.code).toBe(ExitCode.Usage);
    expect(unknown.stderr).toContain("is not in the library");
    const outside = await runCli(["tag", "blue", cluster.dir, "--data", a.dataDir]);
    expect(outside.code).toBe(ExitCode.Usage);
    expect(outside.stderr).toContain("no location of this device contains it");
    const noId = await runCli([
      "tag",
      "blue",
      "0192f0c0aaaa7000800000000000000a",
      "--data",
      a.dataDir,
    ]);
    expect(noId.code).toBe(ExitCode.Usage);
    expect(noId.stderr).toContain("no entry 0192f0c0aaaa7000800000000000000a");
    const colour = await runCli(["tag", "blue", file, "--color", "bluish", "--data", a.dataDir]);
    expect(colour.code).toBe(ExitCode.Usage);
    expect(colour.stderr).toContain('invalid colour "bluish"');
    const notTagged = await runCli(["untag", "green", file, "--data", a.dataDir]);
    expect(notTagged.code).toBe(ExitCode.Usage);

    await cluster.converged();
    const tags = JSON.parse((await runCli(["tags", "--json", "--data", b.dataDir])).stdout) as {
      name: string;
      entries: number;
    }[];
    expect(tags.map((x) => [x.name, x.entries])).toEqual([
      ["blue", 1],
      ["red", 1],
    ]);
    expect((await runCli(["untag", "red", file, "--data", a.dataDir])).code).toBe(0);
  }, 120_000);

  test("peers: add twice says known, remove, status and verify tell unreachable from refused", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const b = await cluster.add("B");
    await a.start();
    await b.start();
    // Over https a peer is paired by its pinned device id, never by who answers.
    const unpinned = await runCli(["peer", "add", b.url, "--data", a.dataDir]);
    expect(unpinned.code).toBe(ExitCode.Usage);
    expect(unpinned.stderr).toContain("--device-id");
    const pin = ["--device-id", b.deviceId];
    const add = await runCli(["peer", "add", b.url, ...pin, "--data", a.dataDir, "--json"]);
    expect(add.code).toBe(0);
    // B has not paired A yet: A pins it anyway and says what to run on B.
    expect(JSON.parse(add.stdout)).toMatchObject({
      outcome: "added",
      contact: "not-paired-yet",
      peer: { deviceId: b.deviceId },
    });
    const again = await runCli(["peer", "add", b.url, ...pin, "--data", a.dataDir]);
    expect(again.stdout).toContain("already known");
    await b.addPeer(a);
    await cluster.converged();
    const verify = await runCli([
      "verify",
      b.deviceId.slice(0, 12),
      "--data",
      a.dataDir,
      "--wait",
      "20",
    ]);
    expect(verify.stdout).toContain("in sync ✓");
    expect(verify.code).toBe(0);

    // A peer of another library answers with an error: refused, with its code.
    const stranger = await cluster.add("S", "another-library");
    await stranger.start();
    const peers = JSON.parse(readFileSync(join(a.dataDir, "peers.json"), "utf8")) as unknown[];
    const strangerRecord = {
      deviceId: stranger.deviceId,
      url: stranger.url,
      name: "S",
      addedAt: "",
    };
    writeFileSync(join(a.dataDir, "peers.json"), JSON.stringify([...peers, strangerRecord]));
    const refused = await runCli(["verify", "S", "--data", a.dataDir]);
    expect(refused.code).toBe(ExitCode.PeerUnavailable);
    expect(refused.stdout).toContain("refused the exchange: [permission_denied]");
    expect(refused.stderr).toContain("refused the exchange (permission_denied)");
    expect((await runCli(["peer", "remove", "S", "--data", a.dataDir])).code).toBe(0);
    expect((await runCli(["peer", "list", "--data", a.dataDir])).stdout).not.toContain(
      stranger.deviceId,
    );

    // SIGTERM: graceful stop, exit 0, serve.json removed, DB closed cleanly.
    const exited = b.proc?.exited;
    b.proc?.child.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(existsSync(join(b.dataDir, "serve.json"))).toBe(false);
    expect(readFileSync(b.logFile, "utf8")).toContain('"event":"shutdown"');
    const offline = await runCli(["status", "--json", "--no-probe", "--data", b.dataDir]);
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.stdout)).toMatchObject({ serving: false });

    // B is down: not "in sync", and says why.
    const status = await runCli(["status", "--data", a.dataDir]);
    expect(status.stdout).toContain("NOT in sync: unreachable: [unavailable]");
    expect(status.stdout).not.toContain("in sync ✓");
    const down = await runCli(["verify", b.deviceId, "--data", a.dataDir]);
    expect(down.code).toBe(ExitCode.PeerUnavailable);
    expect(down.stderr).toContain("is unreachable");
  }, 120_000);
});
