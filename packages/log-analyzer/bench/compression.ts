// The compression section of the bench: for each file, .tdlz at its default
// quality (byte-identical round trip checked) beside gzip -9, brotli 11,
// zstd -19 and xz -9 of the same bytes in the same run. zstd and xz are their
// real CLIs; a missing one is reported, not guessed.
import { createHash } from "node:crypto";
import { createReadStream, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  brotli11Size,
  externalSize,
  gzip9Size,
  hasTool,
  XZ_9,
  ZSTD_19,
} from "../src/cli/compare.js";
import {
  type BlockCounts,
  compressFile,
  DEFAULT_QUALITY,
  decompressFile,
} from "../src/codec/tdlz.js";
import { type Column, fmtInt, renderTable } from "../src/render/table.js";
import type { BenchFile } from "./corpus.js";

export interface Sized {
  readonly label: string;
  readonly bytes: number | null;
  readonly ratio: number | null;
  /** Why there is no size. */
  readonly missing?: string;
}

export interface CompressionRow {
  readonly file: string;
  readonly group: string;
  readonly about: string;
  readonly bytes: number;
  readonly lines: number;
  readonly tdlz: {
    readonly bytes: number;
    readonly ratio: number;
    readonly quality: number;
    readonly cpuSeconds: number;
    /** How many blocks took each form (when this run compressed the file). */
    readonly blocks?: BlockCounts;
    readonly identical: boolean;
  };
  readonly baselines: readonly Sized[];
  /** .tdlz bytes ≤ zstd -19 bytes (null when zstd is not installed). */
  readonly atMostZstd19: boolean | null;
  readonly atMostXz9: boolean | null;
}

async function sha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

const ratioOf = (bytes: number, size: number | null): number | null =>
  size === null ? null : bytes / Math.max(1, size);

/** Baseline sizes of one file; brotli 11 only when `withBrotli` (it takes minutes on 100 MB). */
export async function baselinesOf(path: string, withBrotli: boolean): Promise<Sized[]> {
  const bytes = statSync(path).size;
  const [gz, br, zs, xz] = await Promise.all([
    gzip9Size(path),
    withBrotli ? brotli11Size(path) : Promise.resolve(null),
    externalSize(ZSTD_19, path),
    externalSize(XZ_9, path),
  ]);
  const external = (label: string, size: number | null, command: string): Sized =>
    size === null
      ? { label, bytes: null, ratio: null, missing: `${command} is not installed` }
      : { label, bytes: size, ratio: ratioOf(bytes, size) };
  const rows: Sized[] = [{ label: "gzip -9", bytes: gz, ratio: ratioOf(bytes, gz) }];
  if (withBrotli) rows.push({ label: "brotli 11", bytes: br, ratio: ratioOf(bytes, br) });
  rows.push(external(ZSTD_19.label, zs, ZSTD_19.command), external(XZ_9.label, xz, XZ_9.command));
  return rows;
}

/** Compresses and restores `f` in `scratch`, and measures the baselines beside it. */
export async function measureFile(f: BenchFile, scratch: string): Promise<CompressionRow> {
  // Names of data files are paths ("dir/set/file.log"): flatten them into the scratch directory.
  const packed = join(scratch, `${f.name.replaceAll("/", "__")}.tdlz`);
  const cpu0 = process.cpuUsage();
  const s = await compressFile(f.path, packed, { overwrite: true });
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return measureCompressed(f, packed, { lines: s.lines, cpuSeconds, blocks: s.blocks });
}

/**
 * The row of `f` given its .tdlz at `packed` (compressed elsewhere, e.g. by a
 * throughput worker): restores it beside it and measures the baselines.
 * brotli 11 is left out for files over 64 MB (minutes of CPU).
 */
export async function measureCompressed(
  f: BenchFile,
  packed: string,
  made: { readonly lines: number; readonly cpuSeconds: number; readonly blocks?: BlockCounts },
): Promise<CompressionRow> {
  const restored = `${packed}.restored`;
  await decompressFile(packed, restored, { overwrite: true });
  const identical = (await sha256(restored)) === (await sha256(f.path));
  rmSync(restored, { force: true });
  const bytes = statSync(f.path).size;
  const tdlzBytes = statSync(packed).size;
  const baselines = await baselinesOf(f.path, bytes <= 64 << 20);
  const size = (label: string): number | null =>
    baselines.find((b) => b.label === label)?.bytes ?? null;
  const zs = size(ZSTD_19.label);
  const xz = size(XZ_9.label);
  return {
    file: f.name,
    group: f.group,
    about: f.about,
    bytes,
    lines: made.lines,
    tdlz: {
      bytes: tdlzBytes,
      ratio: bytes / Math.max(1, tdlzBytes),
      quality: DEFAULT_QUALITY,
      cpuSeconds: made.cpuSeconds,
      ...(made.blocks === undefined ? {} : { blocks: made.blocks }),
      identical,
    },
    baselines,
    atMostZstd19: zs === null ? null : tdlzBytes <= zs,
    atMostXz9: xz === null ? null : tdlzBytes <= xz,
  };
}

/** Notes that say which baselines could not be measured on this machine. */
export function toolNotes(): string[] {
  return [ZSTD_19, XZ_9]
    .filter((c) => !hasTool(c.command))
    .map((c) => `${c.label}: the ${c.command} CLI is not installed here, so it is not measured`);
}

const num = (n: number | null): string => (n === null ? "n/a" : fmtInt(n));
const x = (r: number | null): string => (r === null ? "" : ` ${r.toFixed(1)}×`);
const yes = (b: boolean | null): string => (b === null ? "n/a" : b ? "yes" : "NO");

/** The compression table for a terminal. */
export function compressionText(rows: readonly CompressionRow[]): string {
  const labels = [...new Set(rows.flatMap((r) => r.baselines.map((b) => b.label)))];
  const columns: Column[] = [
    { header: "file" },
    ...["bytes", ".tdlz", ...labels, "≤ zstd", "≤ xz", "same"].map(
      (header): Column => ({ header, align: "right" }),
    ),
  ];
  const rows2 = rows.map((r) => [
    r.file,
    num(r.bytes),
    `${num(r.tdlz.bytes)}${x(r.tdlz.ratio)}`,
    ...labels.map((l) => {
      const b = r.baselines.find((y) => y.label === l);
      return b === undefined ? "-" : `${num(b.bytes)}${x(b.ratio)}`;
    }),
    yes(r.atMostZstd19),
    yes(r.atMostXz9),
    yes(r.tdlz.identical),
  ]);
  return renderTable(columns, rows2);
}

/** How many files .tdlz is no larger than each baseline on, and its closest call against zstd -19. */
export interface CompressionSummary {
  readonly files: number;
  readonly identical: number;
  /** Files where .tdlz ≤ the baseline, by baseline label (measured files only). */
  readonly atMost: Readonly<Record<string, { readonly files: number; readonly measured: number }>>;
  /** The file where .tdlz bytes / zstd -19 bytes is highest. */
  readonly closestToZstd19: { readonly file: string; readonly tdlzOverZstd: number } | null;
}

export function compressionSummary(rows: readonly CompressionRow[]): CompressionSummary {
  const atMost: Record<string, { files: number; measured: number }> = {};
  let closest: CompressionSummary["closestToZstd19"] = null;
  for (const r of rows) {
    for (const b of r.baselines) {
      if (b.bytes === null) continue;
      const a = atMost[b.label] ?? { files: 0, measured: 0 };
      atMost[b.label] = a;
      a.measured++;
      if (r.tdlz.bytes <= b.bytes) a.files++;
      if (b.label !== ZSTD_19.label) continue;
      const over = r.tdlz.bytes / Math.max(1, b.bytes);
      if (closest === null || over > closest.tdlzOverZstd) {
        closest = { file: r.file, tdlzOverZstd: over };
      }
    }
  }
  const identical = rows.filter((r) => r.tdlz.identical).length;
  return { files: rows.length, identical, atMost, closestToZstd19: closest };
}

/** One line per baseline: on how many files .tdlz is no larger. */
export function summaryText(s: CompressionSummary): string {
  const lines = Object.entries(s.atMost).map(
    ([label, a]) => `  .tdlz ≤ ${label} on ${a.files} of ${a.measured} files`,
  );
  const c = s.closestToZstd19;
  if (c !== null) {
    lines.push(
      `  closest to zstd -19: ${c.file}, .tdlz is ${(100 * c.tdlzOverZstd).toFixed(1)}% of it`,
    );
  }
  lines.push(`  byte-identical round trips: ${s.identical} of ${s.files}`);
  return lines.join("\n");
}
