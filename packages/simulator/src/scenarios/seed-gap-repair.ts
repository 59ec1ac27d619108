// What the seed-gap repair cost, read from a finished run: the rows the
// fault removed against the rows and bytes the damaged device received.
// Needs a run with keepTrace and keepLogs.
import type { RunResult } from "../simulation.js";
import { SIM_EPOCH_MS } from "../virtual-clock.js";

export type SeedGapRepair = {
  /** Rows the lose-rows fault deleted on the damaged device. */
  readonly rowsMissing: number;
  /** Records the damaged device applied after its restart (all streams). */
  readonly rowsTransferred: number;
  /** Rows the damaged device's reconciles fetched by id. */
  readonly rowsFetched: number;
  /** Encoded bytes of the changes those reconciles applied (the ideal). */
  readonly appliedBytes: number;
  /** Bytes the damaged device received / sent after its restart (every RPC). */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Reconcile rounds run by the damaged device / by its peers. */
  readonly reconcileRounds: number;
  readonly peerReconcileRounds: number;
  readonly reconciles: number;
  /**
   * Virtual ms from the fault (the device restarts at once) to its last
   * finished reconcile: the self-heal time. (The run's convergeMs counts
   * from the heal phase, after the repair already happened.)
   */
  readonly repairVirtualMs: number | undefined;
};

type LogLine = {
  device?: string;
  event?: string;
  rounds?: number;
  need?: number;
  applied?: number;
  appliedBytes?: number;
  time?: number;
};

export function seedGapRepair(r: RunResult): SeedGapRepair {
  const fault = r.world.trace.records().find((x) => x.k === "fault" && x.op === "lose-rows");
  if (fault === undefined) throw new Error("seed-gap: no lose-rows fault in the trace");
  const dev = Number(fault.dev);
  const metrics = r.metrics[dev] ?? {};
  const deviceId = r.world.node(dev).deviceId;
  const sum = (name: string) =>
    Object.entries(metrics)
      .filter(([k]) => k === name || k.startsWith(`${name}{`))
      .reduce((n, [, v]) => n + v, 0);
  let rowsFetched = 0;
  let appliedBytes = 0;
  let reconcileRounds = 0;
  let peerReconcileRounds = 0;
  let reconciles = 0;
  let lastFinish: number | undefined;
  for (const text of r.logText.split("\n")) {
    if (!text.includes('"reconcile-finished"')) continue;
    const line = JSON.parse(text) as LogLine;
    if (line.device === deviceId) {
      reconciles++;
      reconcileRounds += line.rounds ?? 0;
      rowsFetched += line.need ?? 0;
      appliedBytes += line.appliedBytes ?? 0;
      if (line.time !== undefined) lastFinish = line.time - SIM_EPOCH_MS;
    } else peerReconcileRounds += line.rounds ?? 0;
  }
  return {
    rowsMissing: Number(fault.rows),
    rowsTransferred: sum("tidemark_records_in_total"),
    rowsFetched,
    appliedBytes,
    bytesIn: sum("tidemark_bytes_in_total"),
    bytesOut: sum("tidemark_bytes_out_total"),
    reconcileRounds,
    peerReconcileRounds,
    reconciles,
    repairVirtualMs: lastFinish === undefined ? undefined : lastFinish - Number(fault.t),
  };
}
