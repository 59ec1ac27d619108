// The replica's exported metrics stay usable by an operator's dashboards
// through faults: only documented metrics, numbers, no series missing a
// label its metric's other series carry, no empty label, counters that never go down
// while a replica runs. Judged from
// every sample's audit (the adapter's gauges; an implementation without a
// metric catalog reports none).
import type { Property } from "./property.js";

const FAULTS: readonly [string, string][] = [
  ["unlistedMetrics", "series of a metric its catalog does not document"],
  ["nonFiniteMetrics", "series whose value is not a finite number"],
  ["mixedMetricLabels", "series lacking a label other series of their metric carry"],
  ["emptyLabelValues", "series with an empty label value"],
  ["decreasingCounters", "counters lower than at the previous sample"],
];

export const metricsWellFormed: Property = {
  name: "metrics-well-formed",
  check(world) {
    for (const [key, what] of FAULTS) {
      const peak = world.bufferPeaks.get(key) ?? 0;
      if (peak !== 0)
        return {
          property: "metrics-well-formed",
          detail: `a replica exported ${peak} ${what} at one sample (run with --log to see which)`,
        };
    }
    return undefined;
  },
};
