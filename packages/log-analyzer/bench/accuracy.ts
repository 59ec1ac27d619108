// Grouping accuracy (GA) and parsing accuracy (PA) on labelled loghub-2k sets.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { detectLogFormat, type MinerConfig, parse, templateText } from "../src/index.js";
import { parseCsv } from "./csv.js";

/** One data set's entry in the declared per-dataset config (loghub.json). */
export interface DatasetConfig {
  /** Header format; undefined: detect it. */
  readonly format?: string;
  readonly masks: readonly { readonly name: string; readonly regex: string }[];
  /** Drain's scores on the same labels, for comparison. */
  readonly drain?: { readonly ga: number; readonly pa: number; readonly publishedGa?: number };
}

/** The declared per-dataset config file. */
export interface LoghubConfig {
  readonly miner: Partial<MinerConfig>;
  readonly datasets: Readonly<Record<string, DatasetConfig>>;
}

export interface AccuracyResult {
  readonly dataset: string;
  readonly lines: number;
  readonly templates: number;
  readonly labelledTemplates: number;
  /** Share of lines whose predicted group equals their labelled group exactly. */
  readonly ga: number;
  /** Share of lines whose predicted template equals the labelled one (placeholders normalised). */
  readonly pa: number;
  readonly seconds: number;
}

/** Placeholders of any name → `<*>`, whitespace runs → one space. */
export function normaliseTemplate(t: string): string {
  return t
    .replace(/<[a-z][a-z0-9_]*>|<\*>/g, "<*>")
    .replace(/\s+/g, " ")
    .trim();
}

export function loadLabels(dir: string, name: string): { lines: string[]; labels: string[] } {
  const raw = readFileSync(join(dir, name, `${name}_2k.log`), "utf8");
  const lines = raw.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const rows = parseCsv(
    readFileSync(join(dir, name, `${name}_2k.log_structured_corrected.csv`), "utf8"),
  );
  const header = rows[0] ?? [];
  const col = header.indexOf("EventTemplate");
  const labels = rows
    .slice(1)
    .filter((r) => r.length > 1)
    .map((r) => r[col] ?? "");
  if (labels.length !== lines.length) {
    throw new Error(`${name}: ${lines.length} lines but ${labels.length} labels`);
  }
  return { lines, labels };
}

export function measureAccuracy(
  dir: string,
  name: string,
  ds: DatasetConfig,
  miner: Partial<MinerConfig>,
): AccuracyResult {
  const { lines, labels } = loadLabels(dir, name);
  const t0 = performance.now();
  const { templates, events } = parse(lines, {
    miner: { ...miner, masks: ds.masks, stats: false },
    ...(ds.format === undefined ? {} : { format: ds.format }),
    json: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  const predicted = events.map((e) => e.templateId);
  // GA: a predicted cluster is right when it holds exactly one label's lines, all of them.
  const labelSize = new Map<string, number>();
  for (const l of labels) labelSize.set(l, (labelSize.get(l) ?? 0) + 1);
  const clusterLines = new Map<number, number[]>();
  predicted.forEach((p, i) => {
    const arr = clusterLines.get(p);
    if (arr === undefined) clusterLines.set(p, [i]);
    else arr.push(i);
  });
  let gaRight = 0;
  for (const idx of clusterLines.values()) {
    const first = labels[idx[0] as number] as string;
    if (idx.every((i) => labels[i] === first) && labelSize.get(first) === idx.length) {
      gaRight += idx.length;
    }
  }
  let paRight = 0;
  predicted.forEach((p, i) => {
    const t = templates[p];
    if (
      t !== undefined &&
      normaliseTemplate(templateText(t)) === normaliseTemplate(labels[i] as string)
    ) {
      paRight++;
    }
  });
  return {
    dataset: name,
    lines: lines.length,
    templates: templates.length,
    labelledTemplates: labelSize.size,
    ga: gaRight / lines.length,
    pa: paRight / lines.length,
    seconds,
  };
}

/** Loghub-style data sets in `dir`: subdirectories NAME holding NAME_2k.log and its labels. */
export function listDatasets(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .filter(
      (n) =>
        existsSync(join(dir, n, `${n}_2k.log`)) &&
        existsSync(join(dir, n, `${n}_2k.log_structured_corrected.csv`)),
    )
    .sort();
}

/** One data set measured three ways with the one general miner configuration. */
export interface AccuracyRow {
  readonly dataset: string;
  /** The declared format and masks (the shipped config). */
  readonly shipped: AccuracyResult;
  /** The declared format, no per-dataset masks at all. */
  readonly noMasks: AccuracyResult;
  /** No format, no masks: the detected header format (null when none was found). */
  readonly detected: AccuracyResult & { readonly format: string | null };
  readonly drain: DatasetConfig["drain"] | null;
}

/** Measures every data set in `dir`; ones the config does not declare get a detected format. */
export function accuracyRows(
  dir: string,
  config: LoghubConfig,
  onRow?: (r: AccuracyRow) => void,
): AccuracyRow[] {
  const rows: AccuracyRow[] = [];
  for (const name of listDatasets(dir)) {
    const declared = config.datasets[name] ?? { masks: [] };
    const shipped = measureAccuracy(dir, name, declared, config.miner);
    const bare = { ...declared, masks: [] };
    const noMasks =
      declared.masks.length === 0 ? shipped : measureAccuracy(dir, name, bare, config.miner);
    const format = detectLogFormat(loadLabels(dir, name).lines.slice(0, 400));
    const detected = {
      ...measureAccuracy(
        dir,
        name,
        { masks: [], ...(format === null ? {} : { format }) },
        config.miner,
      ),
      format,
    };
    const row = { dataset: name, shipped, noMasks, detected, drain: declared.drain ?? null };
    rows.push(row);
    onRow?.(row);
  }
  return rows;
}
