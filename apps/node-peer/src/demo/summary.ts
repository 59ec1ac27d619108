// The demo's closing table.
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

/** Engine counters that count recovery work (pulls, reconciles, gaps, resyncs). */
export function recoveryEvents(metrics: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const [k, v] of Object.entries(metrics)) {
    if (/recover|pulls?_(started|total)|reconcil\w*_total|resync\w*_total|gap\w*_total/i.test(k))
      n += v;
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
      `${r.name} ${r.report.device.slice(0, 8)}`,
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
