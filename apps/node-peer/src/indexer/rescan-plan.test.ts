// The rescan planner against a real directory: what it writes after
// creating, changing, renaming, moving and deleting files; that unchanged
// trees write nothing; that what cannot be indexed is named.
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { listDirectory } from "./listing.js";
import { LocationModel } from "./location-model.js";
import { planRescan, type RescanPlan, type RescanScope } from "./rescan-plan.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = join(mkdtempSync(join(tmpdir(), "tidemark-plan-")), "root");
  dirs.push(join(root, ".."));
  mkdirSync(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** Plans, then applies the plan to the model as the scanner does after each commit. */
function rescan(model: LocationModel, root: string, scope: RescanScope = { kind: "full" }) {
  const plan = planRescan({ model, root, scope });
  for (const w of plan.writes) model.put(w.entry);
  for (const hex of plan.deletes) model.remove(hex);
  for (const e of plan.identities) model.put(e);
  return plan;
}

function ops(plan: RescanPlan, model: LocationModel, deleted: Map<string, string>) {
  const path = (hex: string) => ["", ...model.namesTo(hex)].join("/") || "/";
  return {
    create: plan.writes
      .filter((w) => w.op === "create")
      .map((w) => path(w.entry.hex))
      .sort(),
    update: plan.writes
      .filter((w) => w.op === "update")
      .map((w) => path(w.entry.hex))
      .sort(),
    move: plan.writes
      .filter((w) => w.op === "move")
      .map((w) => path(w.entry.hex))
      .sort(),
    delete: plan.deletes.map((h) => deleted.get(h) ?? h).sort(),
  };
}

function pathsByHex(model: LocationModel, root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (hex: string) => {
    out.set(hex, ["", ...model.namesTo(hex)].join("/") || "/");
    for (const c of model.childrenOf(hex).values()) walk(c);
  };
  const r = model.root;
  if (r !== undefined) walk(r.hex);
  expect(root).not.toBe("");
  return out;
}

describe("planRescan", () => {
  test("a new location: every node is created, parents before children", () => {
    const root = tree({ "a.txt": "a", "d/b.txt": "bb", "d/e/c.txt": "c" });
    const model = new LocationModel();
    const plan = rescan(model, root);
    expect(plan.writes.map((w) => w.op)).toEqual(Array(6).fill("create"));
    const seen = new Set<string | null>([null]);
    for (const w of plan.writes) {
      expect(seen.has(w.entry.parent)).toBe(true);
      seen.add(w.entry.hex);
    }
    expect(plan.deletes).toEqual([]);
    expect(model.size).toBe(6);
  });

  test("an unchanged tree writes nothing", () => {
    const root = tree({ "a.txt": "a", "d/b.txt": "bb" });
    const model = new LocationModel();
    rescan(model, root);
    const again = rescan(model, root);
    expect(again.writes).toEqual([]);
    expect(again.deletes).toEqual([]);
    expect(again.matched).toBe(4);
  });

  test("create, change, rename, move a file, move a directory, delete: each is what it is", () => {
    const root = tree({
      "keep.txt": "k",
      "edit.txt": "e",
      "old-name.txt": "r",
      "x/moving.txt": "m",
      "dir/inner/deep.txt": "d",
      "gone/a.txt": "a",
      "gone/b.txt": "b",
    });
    const model = new LocationModel();
    rescan(model, root);
    const stable = new Date(2020, 0, 1);
    for (const p of ["", "x", "dir", "dir/inner", "gone"])
      utimesSync(join(root, p), stable, stable);
    rescan(model, root); // directory mtimes settled
    const before = pathsByHex(model, root);

    writeFileSync(join(root, "new.txt"), "n");
    writeFileSync(join(root, "edit.txt"), "edited");
    renameSync(join(root, "old-name.txt"), join(root, "new-name.txt"));
    mkdirSync(join(root, "y"));
    renameSync(join(root, "x/moving.txt"), join(root, "y/moving.txt"));
    renameSync(join(root, "dir"), join(root, "y/dir-moved"));
    rmSync(join(root, "gone"), { recursive: true });

    const plan = rescan(model, root);
    const o = ops(plan, model, before);
    expect(o.create).toEqual(["/new.txt", "/y"]);
    expect(o.move).toEqual(["/new-name.txt", "/y/dir-moved", "/y/moving.txt"]);
    expect(o.update).toEqual(expect.arrayContaining(["/", "/edit.txt", "/x"]));
    expect(o.delete).toEqual(["/gone", "/gone/a.txt", "/gone/b.txt"]);
    // Children of a deleted directory go first.
    expect(before.get(plan.deletes.at(-1) ?? "")).toBe("/gone");
    // The moved directory kept its subtree (ids and all).
    const deep = [...before].find(([, p]) => p === "/dir/inner/deep.txt")?.[0] ?? "";
    expect(model.namesTo(deep)).toEqual(["y", "dir-moved", "inner", "deep.txt"]);
    expect(rescan(model, root).writes).toEqual([]);
  });

  test("a swap through a temporary name (a/b -> b/a) is two moves, never a cycle", () => {
    const root = tree({ "a/b/f.txt": "f" });
    const model = new LocationModel();
    rescan(model, root);
    renameSync(join(root, "a/b"), join(root, "tmp-b"));
    renameSync(join(root, "a"), join(root, "tmp-b/a"));
    renameSync(join(root, "tmp-b"), join(root, "b"));
    const plan = rescan(model, root);
    const moved = plan.writes.filter((w) => w.op === "move").map((w) => w.entry.name);
    expect(moved.sort()).toEqual(["a", "b"]);
    // Each move's new parent was written (or left) before it: order is parents first.
    expect(plan.writes.findIndex((w) => w.entry.name === "b")).toBeLessThan(
      plan.writes.findIndex((w) => w.entry.name === "a"),
    );
    expect(plan.deletes).toEqual([]);
  });

  test("a recycled inode with other contents is not taken for a rename", () => {
    const root = tree({ "a.txt": "aaaa" });
    const model = new LocationModel();
    rescan(model, root);
    const [old] = model.childrenOf(model.root?.hex ?? "").values();
    const e = model.get(old ?? "");
    if (e === undefined) throw new Error("no entry");
    rmSync(join(root, "a.txt"));
    writeFileSync(join(root, "b.txt"), "different size");
    // Pretend the file system gave b.txt a.txt's inode.
    const plan = planRescan({
      model,
      root,
      scope: { kind: "full" },
      list: (dir, display, exclude) => {
        const l = listDirectory(dir, display, exclude);
        if (!l.ok) return l;
        return {
          ...l,
          children: l.children.map((c) =>
            c.name === "b.txt" ? { ...c, identity: e.identity ?? "" } : c,
          ),
        };
      },
    });
    expect(plan.writes.map((w) => [w.op, w.entry.name])).toContainEqual(["create", "b.txt"]);
    expect(plan.deletes).toEqual([e.hex]);
  });

  test("a scoped rescan lists only the dirty directories (and new ones whole)", () => {
    const root = tree({ "a/1.txt": "1", "b/2.txt": "2" });
    const model = new LocationModel();
    rescan(model, root);
    writeFileSync(join(root, "a/new.txt"), "n");
    writeFileSync(join(root, "b/unseen.txt"), "u");
    mkdirSync(join(root, "a/sub/deeper"), { recursive: true });
    writeFileSync(join(root, "a/sub/deeper/x.txt"), "x");
    const a = model.nearestDirectory(["a"])?.entry.hex ?? "";
    const plan = rescan(model, root, { kind: "dirs", shallow: new Set([a]), deep: new Set() });
    const created = plan.writes
      .filter((w) => w.op === "create")
      .map((w) => w.entry.name)
      .sort();
    expect(created).toEqual(["deeper", "new.txt", "sub", "x.txt"]);
    expect(plan.deletes).toEqual([]);
  });

  test("FIFOs, sockets and names that are not UTF-8 are skipped and named; the rest is indexed", async () => {
    const root = tree({ "ok.txt": "ok" });
    execFileSync("mkfifo", [join(root, "pipe")]);
    writeFileSync(
      Buffer.concat([Buffer.from(`${root}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from(".txt")]),
      "x",
    );
    const server = createServer();
    await new Promise<void>((r) => server.listen(join(root, "sock"), r));
    symlinkSync(join(root, "ok.txt"), join(root, "link"));
    try {
      const plan = rescan(new LocationModel(), root);
      expect(plan.writes.map((w) => w.entry.name).sort()).toEqual(["link", "ok.txt", "root"]);
      expect(plan.skipped).toEqual([
        { path: "bad-\\xff\\xfe.txt", reason: "name is not valid UTF-8" },
        { path: "pipe", reason: "named pipe (FIFO): not a library entry" },
        { path: "sock", reason: "socket: not a library entry" },
      ]);
    } finally {
      server.close();
    }
  });

  test("excluded paths (the data dir) are skipped with a reason", () => {
    const root = tree({ "a.txt": "a", "data/tidemark.db": "db" });
    const plan = planRescan({
      model: new LocationModel(),
      root,
      scope: { kind: "full" },
      exclude: new Set([join(root, "data")]),
    });
    expect(plan.writes.map((w) => w.entry.name).sort()).toEqual(["a.txt", "root"]);
    expect(plan.skipped).toEqual([{ path: "data", reason: "Tidemark's own data dir" }]);
  });

  test("a 1 500-level directory chain plans in one pass (no path strings compared)", () => {
    const root = tree({});
    let dir = root;
    // Relative mkdir keeps each path short: the chain is deeper than PATH_MAX allows in one string.
    for (let i = 0; i < 1_500; i++) {
      dir = join(dir, "d");
    }
    mkdirSync(dir, { recursive: true });
    const model = new LocationModel();
    const plan = rescan(model, root);
    expect(plan.writes.length).toBe(1_501);
    expect(rescan(model, root).writes).toEqual([]);
    // 1,500 nested directories on disk: seconds on a loaded CI box, not the 5 s default.
  }, 60_000);
});
