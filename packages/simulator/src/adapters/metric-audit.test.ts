import { describe, expect, test } from "vitest";
import { MetricAudit } from "./metric-audit.js";

const D = 'device="d0"';

describe("MetricAudit", () => {
  test("catalogued numbers, consistent labels and rising counters are no fault", () => {
    const a = new MetricAudit();
    a.audit({ [`tidemark_records_in_total{${D},peer="p",stream="s"}`]: 3 });
    const f = a.audit({
      [`tidemark_records_in_total{${D},peer="p",stream="s"}`]: 5,
      [`tidemark_records_in_total{${D},peer="held",stream="s"}`]: 1,
      [`tidemark_held_realtime_bytes{${D}}`]: 0,
    });
    expect(f).toEqual({
      unlistedMetrics: 0,
      nonFiniteMetrics: 0,
      mixedMetricLabels: 0,
      emptyLabelValues: 0,
      decreasingCounters: 0,
    });
  });

  test("a metric the catalog does not document is unlisted (an empty name too)", () => {
    const a = new MetricAudit();
    expect(a.audit({ [`{${D},stream="s"}`]: 1 }).unlistedMetrics).toBe(1);
    expect(a.audit({ tidemark_made_up_total: 1 }).unlistedMetrics).toBe(1);
  });

  test("a series that is not a finite number is a fault", () => {
    const a = new MetricAudit();
    expect(
      a.audit({ [`tidemark_pending_buffer_changes{${D},stream="s"}`]: Number.NaN })
        .nonFiniteMetrics,
    ).toBe(1);
  });

  test("a series lacking a label its metric's other series carry is a fault", () => {
    const a = new MetricAudit();
    a.audit({ [`tidemark_records_in_total{${D},peer="p",stream="s"}`]: 1 });
    expect(a.audit({ [`tidemark_records_in_total{${D}}`]: 1 }).mixedMetricLabels).toBeGreaterThan(
      0,
    );
  });

  test("a label with an empty value is a fault (Prometheus reads it as no label)", () => {
    const a = new MetricAudit();
    const f = a.audit({
      [`tidemark_limit_breaches_total{${D},limit=""}`]: 1,
      [`tidemark_records_in_total{peer="",${D},stream="s"}`]: 1,
      [`tidemark_records_in_total{${D},peer="p",stream="k=\\""}`]: 1,
    });
    expect(f.emptyLabelValues).toBe(2);
  });

  test("one metric counted under two unrelated label sets is no fault (realtime drops by peer, by stream)", () => {
    const a = new MetricAudit();
    const f = a.audit({
      [`tidemark_realtime_dropped_total{${D},peer="p"}`]: 4,
      [`tidemark_realtime_dropped_total{${D},stream="s"}`]: 2,
    });
    expect(f.mixedMetricLabels).toBe(0);
  });

  test("a counter lower than at the previous scrape is a fault; a gauge may go down", () => {
    const a = new MetricAudit();
    a.audit({
      [`tidemark_gap_events_total{${D},stream="s"}`]: 2,
      [`tidemark_lag_seqs{${D},stream="s"}`]: 9,
    });
    const f = a.audit({
      [`tidemark_gap_events_total{${D},stream="s"}`]: 1,
      [`tidemark_lag_seqs{${D},stream="s"}`]: 0,
    });
    expect(f.decreasingCounters).toBe(1);
  });
});
