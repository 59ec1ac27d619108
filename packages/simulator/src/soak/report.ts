// A soak shard's JSON report, and the merge of many into one summary. A
// report carries every seed's verdict (index, property, trace hash), so a
// merge can prove the shards covered the seed space exactly once and
// list each failure with the one-line command that replays it anywhere.
import { loadavg } from "node:os";
import type { V8Mode } from "./pool.js";
import { type SeedVerdict, type SoakPlan, type SoakSize, seedReplay } from "./run-seed.js";
import { type Shard, shardIndices } from "./seeds.js";

export const REPORT_FORMAT = "tidemark-soak-report/1";

export type StoppedBy = "done" | "time" | "signal";

export type SoakReport = {
  readonly format: typeof REPORT_FORMAT;
  readonly seed: number;
  readonly runs: number;
  readonly size: SoakSize;
  readonly variant?: string;
  readonly shard: Shard;
  readonly workers: number;
  /** The workers' V8 mode (reports before it was recorded have none). */
  readonly v8?: V8Mode;
  readonly startedAt: string;
  readonly wallMs: number;
  /** Seeds this shard was due to run. */
  readonly planned: number;
  readonly stoppedBy: StoppedBy;
  /** os.loadavg() at the end: a shared machine's figures need it. */
  readonly loadAverage: readonly number[];
  readonly workerStartupMs: number;
  readonly seeds: readonly SeedVerdict[];
};

export type SoakErrorCode = "bad-report" | "plan-mismatch";

/** A report that cannot be read or merged; `rawMessage` without the code prefix. */
export class SoakReportError extends Error {
  readonly code: SoakErrorCode;
  readonly rawMessage: string;
  constructor(code: SoakErrorCode, rawMessage: string) {
    super(`[${code}] ${rawMessage}`);
    this.name = "SoakReportError";
    this.code = code;
    this.rawMessage = rawMessage;
  }
}

export function buildReport(
  plan: SoakPlan,
  run: {
    readonly shard: Shard;
    readonly workers: number;
    readonly v8: V8Mode;
    readonly startedAt: Date;
    readonly wallMs: number;
    readonly planned: number;
    readonly stoppedBy: StoppedBy;
    readonly workerStartupMs: number;
    readonly seeds: readonly SeedVerdict[];
  },
): SoakReport {
  return {
    format: REPORT_FORMAT,
    seed: plan.seed,
    runs: plan.runs,
    size: plan.size,
    ...(plan.variant === undefined ? {} : { variant: plan.variant }),
    shard: run.shard,
    workers: run.workers,
    v8: run.v8,
    startedAt: run.startedAt.toISOString(),
    wallMs: run.wallMs,
    planned: run.planned,
    stoppedBy: run.stoppedBy,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    workerStartupMs: Math.round(run.workerStartupMs),
    seeds: [...run.seeds].sort((a, b) => a.index - b.index),
  };
}

/** Parses one report file's text; `name` names it in errors. */
export function parseReport(text: string, name: string): SoakReport {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new SoakReportError("bad-report", `${name}: not JSON (${(err as Error).message})`);
  }
  const r = v as Partial<SoakReport> | null;
  if (r?.format !== REPORT_FORMAT || !Array.isArray(r.seeds) || typeof r.seed !== "number")
    throw new SoakReportError(
      "bad-report",
      `${name}: not a ${REPORT_FORMAT} file (from \`pnpm sim:soak --report\`)`,
    );
  return r as SoakReport;
}

export type MergedFailure = {
  readonly index: number;
  readonly scenarioSeed: number;
  readonly shard: Shard;
  readonly property: string;
  readonly detail: string;
  readonly replay: string;
};

export type ShardFigures = {
  readonly shard: Shard;
  readonly workers: number;
  readonly v8?: V8Mode;
  readonly seeds: number;
  readonly planned: number;
  readonly failed: number;
  readonly wallMs: number;
  readonly seedsPerSec: number;
  readonly stoppedBy: StoppedBy;
  readonly loadAverage: readonly number[];
};

export type MergedSummary = {
  readonly plan: SoakPlan;
  readonly seeds: number;
  readonly shards: readonly ShardFigures[];
  /** Seeds the shards ran: over the longest shard's wall time (machines run at once), and summed. */
  readonly seedsPerSec: { readonly overall: number; readonly summed: number };
  /** First failing property → seeds on which it failed. */
  readonly properties: Readonly<Record<string, number>>;
  readonly failures: readonly MergedFailure[];
  /** Indices due that no report ran (a shard missing, or stopped early). */
  readonly missing: readonly number[];
  /** Shards i/n (for each n the reports use) with no report. */
  readonly missingShards: readonly Shard[];
  /** Indices more than one report ran (overlapping shards). */
  readonly duplicated: readonly number[];
};

function planOf(r: SoakReport): SoakPlan {
  return { seed: r.seed, runs: r.runs, size: r.size, variant: r.variant };
}

export function mergeReports(reports: readonly SoakReport[]): MergedSummary {
  const first = reports[0];
  if (first === undefined) throw new SoakReportError("bad-report", "no reports to merge");
  const plan = planOf(first);
  const key = (p: SoakPlan) =>
    `seed ${p.seed}, runs ${p.runs}, size ${p.size}, variant ${p.variant ?? "none"}`;
  for (const r of reports)
    if (key(planOf(r)) !== key(plan))
      throw new SoakReportError(
        "plan-mismatch",
        `shard ${r.shard.index}/${r.shard.count} ran (${key(planOf(r))}), the first report (${key(plan)}): merge reports of one soak only`,
      );
  const runsOf = new Map<number, number>();
  const failures: MergedFailure[] = [];
  const properties: Record<string, number> = {};
  for (const r of reports)
    for (const v of r.seeds) {
      runsOf.set(v.index, (runsOf.get(v.index) ?? 0) + 1);
      if (v.ok) continue;
      const property = v.property ?? "unknown";
      properties[property] = (properties[property] ?? 0) + 1;
      failures.push({
        index: v.index,
        scenarioSeed: v.scenarioSeed,
        shard: r.shard,
        property,
        detail: v.detail ?? "",
        replay: seedReplay(plan, v.index),
      });
    }
  // Due: every shard's own slice, and the whole slice of a shard no report ran.
  const due = new Set<number>();
  const present = new Set(reports.map((r) => shardName(r.shard)));
  const missingShards: Shard[] = [];
  for (const count of new Set(reports.map((r) => r.shard.count)))
    for (let index = 1; index <= count; index++) {
      if (!present.has(`${index}/${count}`)) missingShards.push({ index, count });
      for (const j of shardIndices(plan.runs, { index, count })) due.add(j);
    }
  const missing = [...due].filter((j) => !runsOf.has(j)).sort((a, b) => a - b);
  const duplicated = [...runsOf]
    .filter(([, n]) => n > 1)
    .map(([j]) => j)
    .sort((a, b) => a - b);
  const shards = reports.map(
    (r): ShardFigures => ({
      shard: r.shard,
      workers: r.workers,
      ...(r.v8 === undefined ? {} : { v8: r.v8 }),
      seeds: r.seeds.length,
      planned: r.planned,
      failed: r.seeds.filter((v) => !v.ok).length,
      wallMs: r.wallMs,
      seedsPerSec: rate(r.seeds.length, r.wallMs),
      stoppedBy: r.stoppedBy,
      loadAverage: r.loadAverage,
    }),
  );
  const seeds = shards.reduce((n, s) => n + s.seeds, 0);
  const longest = Math.max(...shards.map((s) => s.wallMs));
  return {
    plan,
    seeds,
    shards,
    seedsPerSec: {
      overall: rate(seeds, longest),
      summed: shards.reduce((n, s) => n + s.seedsPerSec, 0),
    },
    properties,
    failures: failures.sort((a, b) => a.index - b.index),
    missing,
    missingShards,
    duplicated,
  };
}

function rate(seeds: number, wallMs: number): number {
  return wallMs <= 0 ? 0 : seeds / (wallMs / 1000);
}

const shardName = (s: Shard) => `${s.index}/${s.count}`;

/** Indices as ranges ("0-4, 9"), at most `max` ranges shown. */
function ranges(xs: readonly number[], max = 8): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length && out.length < max; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === (xs[j] ?? 0) + 1) j++;
    out.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.length < max ? out.join(", ") : `${out.join(", ")}, …`;
}

export function summaryText(m: MergedSummary): string[] {
  const p = m.plan;
  const variant = p.variant === undefined ? "" : `, variant ${p.variant}`;
  const lines = [
    `soak: ${m.seeds} of ${p.runs} seeds run (base seed ${p.seed}, size ${p.size}${variant}), ${m.shards.length} shard report(s)`,
    `seeds/s: ${m.seedsPerSec.overall.toFixed(2)} overall (the longest shard's wall time), ${m.seedsPerSec.summed.toFixed(2)} summed over shards`,
  ];
  for (const s of m.shards)
    lines.push(
      `  shard ${shardName(s.shard)}: ${s.seeds}/${s.planned} seeds in ${(s.wallMs / 1000).toFixed(1)} s (${s.seedsPerSec.toFixed(2)} seeds/s, ${s.workers} worker(s)${s.v8 === undefined ? "" : ` ${s.v8}`}, load ${s.loadAverage.join(" ")}), ${s.failed} failed${s.stoppedBy === "done" ? "" : `, stopped by ${s.stoppedBy}`}`,
    );
  const failedProps = Object.entries(m.properties).sort((a, b) => b[1] - a[1]);
  lines.push(
    `properties: every property held on ${m.seeds - m.failures.length} seed(s)${failedProps.length === 0 ? "" : `; failed: ${failedProps.map(([k, n]) => `${k} ${n}`).join(", ")}`}`,
  );
  if (m.missingShards.length > 0)
    lines.push(`missing shard reports: ${m.missingShards.map(shardName).join(", ")}`);
  if (m.missing.length > 0)
    lines.push(`missing seeds (no report ran them): ${m.missing.length}: ${ranges(m.missing)}`);
  if (m.duplicated.length > 0)
    lines.push(`seeds run by more than one shard: ${m.duplicated.length}: ${ranges(m.duplicated)}`);
  if (m.failures.length === 0) return lines;
  const first = m.failures[0]?.index ?? 0;
  // In seed order, as one loop over the seeds would have met it.
  lines.push(
    `FAILED: ${m.failures.length} seed(s); seeds to failure: ${first + 1} (seed ${first})`,
  );
  for (const f of m.failures) {
    lines.push(
      `  seed ${f.index} (scenario seed ${f.scenarioSeed}, shard ${shardName(f.shard)}): ${f.detail.split("\n")[0]}`,
    );
    lines.push(`    replay: ${f.replay}`);
  }
  return lines;
}
