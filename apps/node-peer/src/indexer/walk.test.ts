import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { generateTree } from "../demo/tree.js";
import { walkTree } from "./walk.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tidemark-walk-"));
  dirs.push(d);
  return d;
}

describe("walkTree over a generated tree", () => {
  test("finds every file and directory, each parent before its children", () => {
    const root = join(tempDir(), "t");
    const made = generateTree({ root, files: 1234, filesPerDir: 50, fanout: 4 });
    const { nodes, skipped } = walkTree(root);
    expect(skipped).toBe(0);
    expect(nodes.filter((n) => n.kind === "file").length).toBe(1234);
    expect(nodes.filter((n) => n.kind === "directory").length).toBe(made.dirs);
    for (const n of nodes) {
      expect(n.parent).toBeLessThan(n.index);
      if (n.parent >= 0) expect(nodes[n.parent]?.kind).toBe("directory");
    }
    expect(nodes[0]?.parent).toBe(-1);
  });

  test("records file sizes and does not follow symlinks", () => {
    const root = join(tempDir(), "t");
    generateTree({ root, files: 64, filesPerDir: 64 });
    symlinkSync(root, join(root, "loop"));
    const { nodes } = walkTree(root);
    const files = nodes.filter((n) => n.kind === "file");
    expect(files.reduce((s, n) => s + n.size, 0)).toBe((63 * 64) / 2);
    expect(nodes.filter((n) => n.kind === "symlink").map((n) => n.name)).toEqual(["loop"]);
  });
});
