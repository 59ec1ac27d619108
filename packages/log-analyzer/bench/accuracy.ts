// Grouping accuracy (GA) and parsing accuracy (PA) on labelled loghub-2k sets.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type MinerConfig, parse, templateText } from "../src/index.js";
import { parseCsv } from "./csv.js";

export interface DatasetConfig {
  readonly format: string;
  readonly masks: readonly { readonly name: string; readonly regex: string }[];
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
    format: ds.format,
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
