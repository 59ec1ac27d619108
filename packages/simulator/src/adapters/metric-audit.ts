// What an operator scraping the engine's metrics relies on: every series
// belongs to a metric the engine's catalog (METRIC_HELP, public API)
// documents, carries a number, no series of a metric lacks a label its
// other series carry (a dashboard grouping by it would lump it with
// nothing), no label is empty (Prometheus reads `limit=""` as no label at
// all), and a counter never goes down while the replica runs (a
// restart starts a new replica, and a new audit). A metric counted by two
// mechanisms under different labels (realtime drops: {peer} when a push
// backlog is dropped, {stream} when a held batch is) is not a fault.
import { METRIC_HELP } from "@tidemark/engine";

/** Series that broke one of the promises above, counted at one scrape. */
export type MetricFaults = {
  readonly unlistedMetrics: number;
  readonly nonFiniteMetrics: number;
  /** Series lacking a label other series of their metric carry (or the reverse). */
  readonly mixedMetricLabels: number;
  /** Series carrying a label whose value is empty. */
  readonly emptyLabelValues: number;
  readonly decreasingCounters: number;
};

function parse(key: string): { name: string; labels: readonly string[]; empty: number } {
  const brace = key.indexOf("{");
  if (brace < 0) return { name: key, labels: [], empty: 0 };
  const pairs = [...key.slice(brace).matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)];
  const labels = pairs.map((m) => m[1]).filter((n) => n !== undefined);
  return { name: key.slice(0, brace), labels, empty: pairs.filter((m) => m[2] === "").length };
}

/** True when `a`'s label names are a strict subset of `b`'s. */
function fewer(a: readonly string[], b: readonly string[]): boolean {
  return a.length < b.length && a.every((n) => b.includes(n));
}

export class MetricAudit {
  private readonly last = new Map<string, number>();
  /** Each metric's label-name sets seen so far (joined), for the subset test. */
  private readonly labelsOf = new Map<string, Map<string, readonly string[]>>();

  /** Audits one scrape (`Metrics.values()`: `name{labels}` -> value). */
  audit(values: Readonly<Record<string, number>>): MetricFaults {
    let unlisted = 0;
    let nonFinite = 0;
    let mixed = 0;
    let empty = 0;
    let decreasing = 0;
    for (const [key, v] of Object.entries(values)) {
      const { name, labels, empty: blank } = parse(key);
      empty += blank;
      const known = METRIC_HELP[name];
      if (known === undefined) unlisted++;
      if (!Number.isFinite(v)) nonFinite++;
      const sets = this.labelsOf.get(name) ?? new Map<string, readonly string[]>();
      this.labelsOf.set(name, sets.set(labels.join(","), labels));
      for (const other of sets.values()) if (fewer(labels, other) || fewer(other, labels)) mixed++;
      const before = this.last.get(key);
      if (known?.[0] === "counter" && before !== undefined && v < before) decreasing++;
      this.last.set(key, v);
    }
    return {
      unlistedMetrics: unlisted,
      nonFiniteMetrics: nonFinite,
      mixedMetricLabels: mixed,
      emptyLabelValues: empty,
      decreasingCounters: decreasing,
    };
  }
}
