// Tiny inputs: the first bytes (8 B to 8 KB) of every real file of the
// corpus, at two offsets, through .tdlz and the zstd -19 / xz -9 CLIs. Small
// files are where a container's framing and a compressor's per-block costs
// show; the bench counts the inputs where .tdlz is larger and by how much.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { externalSize, hasTool, XZ_9, ZSTD_19 } from "../src/cli/compare.js";
import { compressBuffer } from "../src/codec/tdlz.js";
import type { BenchFile } from "./corpus.js";

const SIZES = [8, 20, 40, 64, 100, 128, 200, 300, 500, 1000, 2000, 4000, 8000];
const OFFSETS = [0, 7777];

export interface TinyLoss {
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
  readonly tdlz: number;
  readonly baseline: number;
}

export interface TinyRow {
  readonly baseline: string;
  readonly inputs: number;
  /** Inputs where .tdlz is larger than the baseline. */
  readonly larger: number;
  readonly losses: readonly TinyLoss[];
}

/**
 * The tiny-input comparison over `files` (those of at least 8 KB + the
 * largest offset); each input is written to a file in `scratch`, so the
 * CLIs see a file of known size, as in the rest of the bench.
 */
export async function tinySection(
  files: readonly BenchFile[],
  scratch: string,
): Promise<TinyRow[]> {
  const path = join(scratch, "tiny-input.bin");
  const tools = [ZSTD_19, XZ_9].filter((c) => hasTool(c.command));
  const rows = tools.map((c) => ({ c, inputs: 0, losses: [] as TinyLoss[] }));
  const big = (SIZES.at(-1) as number) + (OFFSETS.at(-1) as number);
  for (const f of files) {
    const all = readFileSync(f.path);
    if (all.length < big) continue;
    for (const offset of OFFSETS) {
      for (const n of SIZES) {
        const data = all.subarray(offset, offset + n);
        writeFileSync(path, data);
        const tdlz = (await compressBuffer(data)).length;
        for (const row of rows) {
          row.inputs++;
          const baseline = (await externalSize(row.c, path)) as number;
          if (tdlz > baseline) row.losses.push({ file: f.name, offset, bytes: n, tdlz, baseline });
        }
      }
    }
  }
  return rows.map((r) => ({
    baseline: r.c.label,
    inputs: r.inputs,
    larger: r.losses.length,
    losses: r.losses,
  }));
}

/** One line per baseline. */
export function tinyText(rows: readonly TinyRow[]): string {
  return rows
    .map((r) => {
      const worst = Math.max(0, ...r.losses.map((l) => l.tdlz - l.baseline));
      return `  tiny inputs: .tdlz larger than ${r.baseline} on ${r.larger} of ${r.inputs} (by at most ${worst} bytes)`;
    })
    .join("\n");
}
