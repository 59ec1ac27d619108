// A directory kept in sync by rescans: after creating, changing, deleting,
// renaming and moving files and directories on disk, `tidemark index`
// again writes exactly that, and a second peer converges on it: entries,
// tombstones and moves (same ids at new places), closure consistent.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { closureRows, expectedClosureRows } from "@tidemark/engine";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { runCli } from "../../src/demo/processes.js";
import type { FindResult } from "../../src/library/view.js";
import { Cluster } from "./cluster.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
}, 30_000);

/** Every path under `root` (root included), as the library shows them. */
function disk(root: string): string[] {
  const out = [root];
  for (const d of readdirSync(root, { withFileTypes: true, recursive: true })) {
    out.push(join(d.parentPath, d.name));
  }
  return out.sort();
}

async function libraryPaths(data: string, under: string): Promise<Map<string, string>> {
  const r = await runCli(["find", "*", "--limit", "100000", "--json", "--data", data]);
  const found = JSON.parse(r.stdout) as FindResult;
  return new Map(found.matches.filter((e) => e.path.startsWith(under)).map((e) => [e.path, e.id]));
}

describe("rescans", () => {
  test("a rescan after create, change, delete, rename and move converges on two peers", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const b = await cluster.add("B");
    const tree = cluster.tree("t", 200);
    await cluster.startMesh();
    expect((await runCli(["index", tree, "--data", a.dataDir])).code).toBe(0);
    await cluster.converged();
    const before = await libraryPaths(b.dataDir, tree);
    expect([...before.keys()].sort()).toEqual(disk(tree));

    const p = (...x: string[]) => join(tree, ...x);
    // 200 files, 40 per directory, fanout 4: leaf directories d0-N/d1-M.
    const leaf = p("d0-0", "d1-0");
    const renamed = join(leaf, "file-0-1.txt");
    const moved = join(leaf, "file-0-2.txt");
    const movedDir = p("d0-1");
    writeFileSync(join(leaf, "brand-new.txt"), "new");
    writeFileSync(join(leaf, "file-0-3.txt"), "changed contents");
    rmSync(join(leaf, "file-0-4.txt"));
    renameSync(renamed, join(leaf, "renamed.txt"));
    mkdirSync(p("elsewhere"));
    renameSync(moved, p("elsewhere", "moved.txt"));
    renameSync(movedDir, p("elsewhere", "moved-dir"));
    rmSync(p("d0-2"), { recursive: true });

    const r = await runCli(["index", tree, "--json", "--data", a.dataDir]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, number>;
    expect(result.created).toBe(2); // brand-new.txt, elsewhere/
    expect(result.moved).toBe(3); // renamed.txt, moved.txt, moved-dir/
    expect(result.deleted).toBeGreaterThan(1); // file-0-4.txt, d0-2/ and its files
    expect(result.updated).toBeGreaterThanOrEqual(1); // file-0-3.txt (and directory mtimes)

    const again = JSON.parse((await runCli(["index", tree, "--json", "--data", a.dataDir])).stdout);
    expect(again).toMatchObject({ created: 0, updated: 0, moved: 0, deleted: 0 });

    await cluster.converged();
    const after = await libraryPaths(b.dataDir, tree);
    expect([...after.keys()].sort()).toEqual(disk(tree));
    // Moves keep their ids; deleted entries are gone (tombstoned) on B too.
    expect(after.get(join(leaf, "renamed.txt"))).toBe(before.get(renamed));
    expect(after.get(p("elsewhere", "moved.txt"))).toBe(before.get(moved));
    expect(after.get(p("elsewhere", "moved-dir"))).toBe(before.get(movedDir));
    const inMovedDir = [...before].filter(([path]) => path.startsWith(`${movedDir}/`));
    for (const [path, id] of inMovedDir) {
      expect(after.get(p("elsewhere", "moved-dir", relative(movedDir, path)))).toBe(id);
    }
    const goneId = before.get(join(leaf, "file-0-4.txt")) ?? "";
    const gone = await runCli(["ls", goneId, "--data", b.dataDir]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`no entry ${goneId}`);

    // The closure table on B equals the one recomputed from parent links.
    await b.stop();
    const db = new Database(join(b.dataDir, "tidemark.db"), { readonly: true });
    try {
      expect(closureRows(db)).toEqual(expectedClosureRows(db));
    } finally {
      db.close();
    }
  }, 180_000);

  test("location remove deletes its entries everywhere; a symlinked spelling is the same location", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    await cluster.add("B");
    const tree = cluster.tree("t", 50);
    await cluster.startMesh();
    const link = join(cluster.dir, "link-to-t");
    (await import("node:fs")).symlinkSync(tree, link);
    expect((await runCli(["index", tree, "--data", a.dataDir])).code).toBe(0);
    const viaLink = await runCli(["index", link, "--json", "--data", a.dataDir]);
    expect(JSON.parse(viaLink.stdout)).toMatchObject({
      kind: "rescan",
      path: tree,
      via: link,
      created: 0,
    });
    const list = JSON.parse(
      (await runCli(["location", "list", "--json", "--data", a.dataDir])).stdout,
    );
    expect(list).toHaveLength(1);
    await cluster.converged();
    const removed = await runCli(["location", "remove", link, "--data", a.dataDir]);
    expect(removed.code).toBe(0);
    const [, rb] = await cluster.converged();
    const entries = rb?.streams.find((s) => s.origin === a.deviceId && s.resource === "entry");
    expect(entries?.liveCount).toBe("0");
    expect((await runCli(["location", "list", "--data", a.dataDir])).stdout).toContain(
      "no locations",
    );
  }, 120_000);
});
