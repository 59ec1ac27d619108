// Generates a real directory tree fast: tiny files (0-63 bytes) in nested
// directories of ~`filesPerDir`, `fanout` subdirectories per level.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type TreeSpec = {
  readonly root: string;
  readonly files: number;
  readonly filesPerDir?: number;
  readonly fanout?: number;
};

/** Creates the tree; returns files and directories created (root included). */
export function generateTree(
  spec: TreeSpec,
  onProgress?: (files: number) => void,
): { files: number; dirs: number } {
  const perDir = spec.filesPerDir ?? 100;
  const fanout = spec.fanout ?? 8;
  const leafDirs = Math.max(1, Math.ceil(spec.files / perDir));
  // Depth so that fanout^depth >= leafDirs: a few levels of nesting.
  let depth = 0;
  while (fanout ** depth < leafDirs) depth++;
  mkdirSync(spec.root, { recursive: true });
  const made = new Set<string>([spec.root]);
  const payload = Buffer.alloc(64, 0x61);
  let files = 0;
  for (let leaf = 0; leaf < leafDirs && files < spec.files; leaf++) {
    let dir = spec.root;
    let rest = leaf;
    for (let level = 0; level < depth; level++) {
      dir = join(dir, `d${level}-${rest % fanout}`);
      rest = Math.floor(rest / fanout);
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
    }
    for (let i = 0; i < perDir && files < spec.files; i++) {
      writeFileSync(join(dir, `file-${leaf}-${i}.txt`), payload.subarray(0, files % 64));
      files++;
    }
    onProgress?.(files);
  }
  return { files, dirs: made.size };
}
