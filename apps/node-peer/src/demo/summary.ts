// The demo's closing table.
import { shortId } from "../ids.js";
import { formatBytes } from "../progress.js";
import type { StatusReport } from "../status-report.js";
import { renderTable } from "../table.js";
import type { DeviceVerdict } from "./convergence.js";

export type DeviceSummary = {
  readonly name: string;
  readonly report: StatusReport;
  readonly verdict: DeviceVerdict;
  readonly recoveryEvents: number;
  /** Seconds from the restart of the killed device until this one matched every origin. */
  readonly convergedAfterS: number | undefined;
  readonly note: string;
};

/** Engine counters of recovery work: recovery jobs, reconciles, full resyncs, realtime gaps. */
const RECOVERY_COUNTERS = [
  "tidemark_recoveries_total",
  "tidemark_reconciles_total",
  "tidemark_full_resyncs_total",
  "tidemark_gap_events_total",
];

/** Sums every series (`name{labels}`) of the recovery counters. */
export function recoveryEvents(metrics: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const [key, v] of Object.entries(metrics)) {
    if (RECOVERY_COUNTERS.includes(key.split("{")[0] ?? key)) n += v;
  }
  return n;
}

export function renderSummary(rows: readonly DeviceSummary[]): string {
  return renderTable(
    [
      "DEVICE",
      "ROWS",
      "STREAMS",
      "FINGERPRINTS",
      "WIRE IN",
      "WIRE OUT",
      "RECOVERY EVENTS",
      "CONVERGED",
      "NOTE",
    ],
    rows.map((r) => [
      `${r.name} ${shortId(r.report.device)}`,
      r.verdict.rows.toString(),
      String(r.report.streams.length),
      r.verdict.converged ? "equal ✓" : `✗ ${r.verdict.differing.length} differ`,
      formatBytes(r.report.wire.bytesIn),
      formatBytes(r.report.wire.bytesOut),
      String(r.recoveryEvents),
      r.convergedAfterS === undefined ? "no" : `${r.convergedAfterS.toFixed(1)} s`,
      r.note,
    ]),
  );
}
