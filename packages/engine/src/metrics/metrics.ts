// Counters and gauges keyed by name and labels (peer, stream), readable as
// a plain object and as Prometheus text exposition (format 0.0.4).

export type MetricKind = "counter" | "gauge";
export type MetricLabels = Readonly<Record<string, string>>;

type Series = { labels: MetricLabels; value: number };
type Family = { kind: MetricKind; help: string; series: Map<string, Series> };

/** Every metric the control plane emits, with its kind and help text. */
export const METRIC_HELP: Readonly<Record<string, readonly [MetricKind, string]>> = {
  tidemark_exchanges_total: ["counter", "Watermark exchanges completed, by peer and trigger."],
  tidemark_exchange_failures_total: ["counter", "Exchanges that failed, by peer."],
  tidemark_decisions_total: ["counter", "Per-stream decisions, by peer, stream and kind."],
  tidemark_pulls_total: ["counter", "Pulls finished, by source peer and stream."],
  tidemark_pull_failures_total: ["counter", "Pulls that failed, by source peer."],
  tidemark_invalid_responses_total: [
    "counter",
    "Peer responses refused (never applied), by validation or the caller's own checks, by peer, rpc and reason.",
  ],
  tidemark_reconciles_total: ["counter", "Reconciliations run, by peer and stream."],
  tidemark_full_resyncs_total: ["counter", "Full resyncs (below horizon), by peer and stream."],
  tidemark_origin_rewinds_total: ["counter", "Own streams found behind a peer, by stream."],
  tidemark_own_resequenced_total: [
    "counter",
    "Unconfirmed own changes renumbered above seqs a peer held (after a restore), by stream.",
  ],
  tidemark_own_stream_conflicts_total: [
    "counter",
    "A peer claimed more of a confirmed own stream than this device wrote (ignored), by stream.",
  ],
  tidemark_records_in_total: ["counter", "Changes received and applied, by peer and stream."],
  tidemark_records_out_total: ["counter", "Changes sent, by peer and stream."],
  tidemark_bytes_in_total: ["counter", "Encoded change bytes received, by peer."],
  tidemark_bytes_out_total: ["counter", "Encoded change bytes sent, by peer."],
  tidemark_gap_events_total: ["counter", "Realtime batches that arrived after a gap, by stream."],
  tidemark_realtime_dropped_total: ["counter", "Realtime changes dropped: buffer full."],
  tidemark_realtime_held_total: [
    "counter",
    "Realtime changes put in the pending buffer (after a gap, or mid-pull), by stream.",
  ],
  tidemark_realtime_released_total: [
    "counter",
    "Realtime changes that left the pending buffer, by stream and outcome: applied, stale (a pull or another batch brought them), past-origin-head (an earlier incarnation's), refused (by the store, when drained).",
  ],
  tidemark_realtime_stalls_total: [
    "counter",
    "Realtime pushes queued behind unanswered ones for a second: an exchange was started.",
  ],
  tidemark_push_batches_total: ["counter", "Realtime batches pushed, by peer."],
  tidemark_recovery_duration_ms_total: ["counter", "Milliseconds spent in recovery, by peer."],
  tidemark_recoveries_total: ["counter", "Recovery jobs finished, by peer."],
  tidemark_hlc_rejections_total: [
    "counter",
    "Changes refused because their HLC was more than the max offset ahead, by stream.",
  ],
  tidemark_unverified_cursor_claims_total: [
    "counter",
    "Cursors a peer claimed of another device's stream above what that device signed (not believed), by peer and stream.",
  ],
  tidemark_stream_heads_refused_total: [
    "counter",
    "Stream head statements that did not verify (not believed), by peer and reason.",
  ],
  tidemark_own_head_above_cursor_total: [
    "counter",
    "A peer sent our own signed head above our cursor (the origin-rewind signal after a restore), by peer and stream.",
  ],
  tidemark_complete_through_clamped_total: [
    "counter",
    "Pulls finished below a complete_through the peer claimed beyond what it delivered or advertised.",
  ],
  tidemark_stream_refusals_total: [
    "counter",
    "Backfill pages our store refused (the stream was set aside), by peer, stream and code.",
  ],
  tidemark_parents_fetched_total: [
    "counter",
    "Awaited parents fetched by id when the dependency buffer filled during a pull, by peer and stream.",
  ],
  tidemark_origin_probes_total: [
    "counter",
    "Backfills sent to an origin listing no cursor for its own stream we are stuck mid-pull of (PROTOCOL §3.7 OR-5).",
  ],
  tidemark_unresolved_rows_total: [
    "counter",
    "Rows held locally that the origin no longer has (kept and reported).",
  ],
  tidemark_refused_calls_total: [
    "counter",
    "Calls the service's authorization refused before reaching the library (unauthenticated, device-mismatch, not-paired), by reason.",
  ],
  tidemark_listener_refused_calls_total: [
    "counter",
    "Calls and TLS handshakes a host's mutual-TLS listener refused before the service saw them (unauthenticated, not-paired, tls-handshake; the same reason spellings), by reason.",
  ],
  tidemark_rejected_changes_total: [
    "counter",
    "Received changes refused as forged (bad-signature, forged-origin, not-origin), by reason.",
  ],
  tidemark_limit_breaches_total: [
    "counter",
    "Requests refused, or work not taken on, because a bound was reached, by limit.",
  ],
  tidemark_server_limit_breaches_total: [
    "counter",
    "Connections closed and streams reset by the host's listener bounds, by limit.",
  ],
  tidemark_admin_refusals_total: [
    "counter",
    "Admin API requests refused (no token, a browser's headers, another Host), by reason.",
  ],
  tidemark_peer_state: ["gauge", "1 for the peer's current state."],
  tidemark_consecutive_failures: ["gauge", "Consecutive failures, by peer."],
  tidemark_lag_seqs: ["gauge", "Seqs behind the best known peer cursor, by stream."],
  tidemark_own_unconfirmed_seqs: [
    "gauge",
    "Own seqs committed since open and not yet confirmed (not pushed or served).",
  ],
  tidemark_hlc_ahead_ms: [
    "gauge",
    "How far ahead of our clock the change holding a stream back is, ms (0: not held).",
  ],
  tidemark_pending_buffer_changes: ["gauge", "Realtime changes held in the pending buffer."],
  tidemark_outbound_queue_changes: ["gauge", "Realtime changes queued to push, by peer."],
  tidemark_held_realtime_bytes: ["gauge", "Encoded bytes of realtime batches held (gaps, pulls)."],
  tidemark_dependency_buffer_rows: ["gauge", "Changes held for a missing parent."],
  tidemark_dependency_buffer_bytes: [
    "gauge",
    "Encoded bytes of changes held for a missing parent.",
  ],
};

function seriesKey(labels: MetricLabels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] as string)}"`)
    .join(",");
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  constructor(private readonly constLabels: MetricLabels = {}) {}

  /** Adds `by` (default 1) to a counter. */
  inc(name: string, labels: MetricLabels = {}, by = 1): void {
    const s = this.series(name, "counter", labels);
    s.value += by;
  }

  /** Sets a gauge. */
  set(name: string, labels: MetricLabels, value: number): void {
    this.series(name, "gauge", labels).value = value;
  }

  /** Current value of one series (0 when never touched). */
  get(name: string, labels: MetricLabels = {}): number {
    const fam = this.families.get(name);
    return fam?.series.get(seriesKey({ ...this.constLabels, ...labels }))?.value ?? 0;
  }

  /** Sum over every series of a metric whose labels include `match`. */
  sum(name: string, match: MetricLabels = {}): number {
    const fam = this.families.get(name);
    if (fam === undefined) return 0;
    let total = 0;
    for (const s of fam.series.values()) {
      if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
    }
    return total;
  }

  /** Flat `name{labels}` -> value map. */
  values(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, fam] of [...this.families].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const [key, s] of fam.series) out[key === "" ? name : `${name}{${key}}`] = s.value;
    }
    return out;
  }

  /** Prometheus text exposition. */
  prometheus(): string {
    const lines: string[] = [];
    for (const [name, fam] of [...this.families].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`# HELP ${name} ${fam.help}`, `# TYPE ${name} ${fam.kind}`);
      for (const [key, s] of fam.series)
        lines.push(`${name}${key === "" ? "" : `{${key}}`} ${s.value}`);
    }
    return `${lines.join("\n")}\n`;
  }

  private series(name: string, kind: MetricKind, labels: MetricLabels): Series {
    let fam = this.families.get(name);
    if (fam === undefined) {
      const known = METRIC_HELP[name];
      fam = { kind: known?.[0] ?? kind, help: known?.[1] ?? name, series: new Map() };
      this.families.set(name, fam);
    }
    const all = { ...this.constLabels, ...labels };
    const key = seriesKey(all);
    let s = fam.series.get(key);
    if (s === undefined) {
      s = { labels: all, value: 0 };
      fam.series.set(key, s);
    }
    return s;
  }
}
