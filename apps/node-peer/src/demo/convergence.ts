// Convergence as the demo judges it: every device holds every stream
// exactly as its origin does (same cursor, live count and fingerprint, no
// pull in progress). The origin's own state is the reference, so a device
// that merely agrees with another lagging device does not count.
import type { StatusReport, StreamRow } from "../status-report.js";

export type DeviceVerdict = {
  readonly device: string;
  readonly converged: boolean;
  readonly rows: bigint;
  /** Streams that differ from their origin (or are missing). */
  readonly differing: readonly string[];
};

function sameState(a: StreamRow, b: StreamRow): boolean {
  return (
    a.cursor === b.cursor &&
    a.liveCount === b.liveCount &&
    a.fingerprint === b.fingerprint &&
    !a.pulling &&
    !b.pulling
  );
}

/**
 * Judges each device against the reference state: for each stream, the
 * row of the device that is its origin (when that device is in `reports`).
 */
export function judge(reports: readonly StatusReport[]): DeviceVerdict[] {
  const reference = new Map<string, StreamRow>();
  const devices = new Set(reports.map((r) => r.device));
  for (const r of reports) {
    for (const s of r.streams) if (s.origin === r.device) reference.set(s.key, s);
  }
  return reports.map((r) => {
    const mine = new Map(r.streams.map((s) => [s.key, s]));
    const differing: string[] = [];
    for (const [key, ref] of reference) {
      const s = mine.get(key);
      if (s === undefined || !sameState(s, ref)) differing.push(key);
    }
    for (const s of r.streams) {
      // A stream whose origin is one of ours but which the origin does not hold.
      if (devices.has(s.origin) && !reference.has(s.key)) differing.push(s.key);
    }
    return {
      device: r.device,
      converged: differing.length === 0,
      rows: r.streams.reduce((n, s) => n + BigInt(s.liveCount), 0n),
      differing,
    };
  });
}

/** True when every device converged and all hold the same number of rows. */
export function allConverged(verdicts: readonly DeviceVerdict[]): boolean {
  const [first] = verdicts;
  return first !== undefined && verdicts.every((v) => v.converged && v.rows === first.rows);
}
