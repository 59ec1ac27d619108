// `serve --watch` and `tidemark watch`: a change on disk is committed
// within a second (measured by the peer itself: the file's mtime against
// the logged commit) and reaches the other peer.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { runCli, waitFor } from "../../src/demo/processes.js";
import { Cluster } from "./cluster.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
}, 30_000);

type LogLine = { event?: string; time: string; created?: number };

/** Time the watcher committed a batch creating something, after `sinceMs`. */
function committedAt(logFile: string, sinceMs: number): number | undefined {
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.includes('"watch-batch"')) continue;
    const e = JSON.parse(line) as LogLine;
    const t = Date.parse(e.time);
    if (t >= sinceMs && (e.created ?? 0) > 0) return t;
  }
  return undefined;
}

describe("watch", () => {
  test("serve --watch commits a new file within a second and the peer receives it", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const b = await cluster.add("B");
    const tree = cluster.tree("t", 100);
    expect((await runCli(["index", tree, "--data", a.dataDir])).code).toBe(0);
    await a.start(["--watch"]);
    await b.start();
    await cluster.startMesh();
    await cluster.converged();

    const file = join(tree, "d0-0", "appeared.txt");
    writeFileSync(file, "hello");
    const mtime = Math.trunc(statSync(file).mtimeMs);
    const at = await waitFor(
      "the watcher's commit",
      () => committedAt(a.logFile, mtime - 5),
      10_000,
      50,
    );
    expect(at - mtime).toBeLessThan(1_000);
    const found = await runCli([
      "find",
      "appeared.txt",
      "--wait",
      "20",
      "--json",
      "--data",
      b.dataDir,
    ]);
    expect(JSON.parse(found.stdout).matches[0]?.path).toBe(file);
  }, 120_000);

  test("`tidemark watch PATH` asks the running serve to follow it (and later serves too)", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const tree = cluster.tree("t", 40);
    await a.start();
    const w = await runCli(["watch", tree, "--data", a.dataDir]);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain(`watching  ${tree}`);
    writeFileSync(join(tree, "later.txt"), "x");
    const found = await runCli([
      "find",
      "later.txt",
      "--wait",
      "10",
      "--json",
      "--data",
      a.dataDir,
    ]);
    expect(JSON.parse(found.stdout).total).toBe(1);
    const list = JSON.parse(
      (await runCli(["location", "list", "--json", "--data", a.dataDir])).stdout,
    );
    expect(list[0]).toMatchObject({ path: tree, watch: true, watching: true });
  }, 120_000);
});
