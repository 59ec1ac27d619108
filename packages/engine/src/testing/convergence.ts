// The convergence oracle: every replica holds every stream, at the origin's
// head (or, without the origin present, at the same cursor as the others),
// with the same live count and fingerprint, and no pull left unfinished.
// Optional `rows` compares a canonical dump of each replica's rows.
import type { ReplicaStatus } from "../replica-api.js";
import type { StreamState } from "../store/store-api.js";
import { bytesEqual, streamKeyString, toHex } from "../sync/ids.js";

export type Convergent = { readonly deviceId: string; status(): ReplicaStatus };

export type ConvergenceReport = {
  readonly ok: boolean;
  /** One line per violation, stable order (empty when ok). */
  readonly problems: readonly string[];
  readonly streams: number;
};

export type ConvergenceOptions = {
  /** Canonical text of a replica's rows; compared pairwise when given. */
  readonly rows?: (deviceId: string) => string;
  /** Most problems to list (default 20). */
  readonly maxProblems?: number;
};

/** Checks that `replicas` have converged; never throws. */
export function checkConvergence(
  replicas: readonly Convergent[],
  opts: ConvergenceOptions = {},
): ConvergenceReport {
  const max = opts.maxProblems ?? 20;
  const problems: string[] = [];
  const add = (p: string) => {
    if (problems.length < max) problems.push(p);
  };
  const byDevice = new Map<string, Map<string, StreamState>>();
  const keys = new Set<string>();
  for (const r of replicas) {
    const m = new Map<string, StreamState>();
    for (const s of r.status().streams) {
      const key = streamKeyString(s.stream);
      m.set(key, s);
      keys.add(key);
    }
    byDevice.set(r.deviceId, m);
  }
  for (const key of [...keys].sort()) {
    const origin = key.split("/")[0] as string;
    const reference = byDevice.get(origin)?.get(key) ?? firstWithCursor(byDevice, key);
    for (const r of replicas) {
      const s = byDevice.get(r.deviceId)?.get(key);
      const who = `${r.deviceId.slice(0, 8)} ${key.slice(0, 8)}/${key.split("/")[1]}`;
      if (s === undefined || s.cursor === undefined) {
        if (reference?.cursor !== undefined)
          add(`${who}: no cursor, reference at ${reference.cursor}`);
        continue;
      }
      if (s.pulling)
        add(`${who}: pull unfinished (cursor ${s.cursor}, applied ${s.maxAppliedSeq})`);
      if (reference === undefined) continue;
      if (s.cursor !== reference.cursor) add(`${who}: cursor ${s.cursor} != ${reference.cursor}`);
      if (s.liveCount !== reference.liveCount)
        add(`${who}: live count ${s.liveCount} != ${reference.liveCount}`);
      if (!bytesEqual(s.fingerprint, reference.fingerprint)) {
        add(
          `${who}: fingerprint ${toHex(s.fingerprint).slice(0, 12)} != ${toHex(reference.fingerprint).slice(0, 12)}`,
        );
      }
    }
  }
  if (opts.rows !== undefined && replicas.length > 1) {
    const first = replicas[0] as Convergent;
    const base = opts.rows(first.deviceId);
    for (const r of replicas.slice(1)) {
      if (opts.rows(r.deviceId) !== base)
        add(`${r.deviceId.slice(0, 8)}: rows differ from ${first.deviceId.slice(0, 8)}`);
    }
  }
  return { ok: problems.length === 0, problems, streams: keys.size };
}

function firstWithCursor(
  byDevice: Map<string, Map<string, StreamState>>,
  key: string,
): StreamState | undefined {
  let best: StreamState | undefined;
  for (const m of byDevice.values()) {
    const s = m.get(key);
    if (s?.cursor !== undefined && (best?.cursor === undefined || s.cursor > best.cursor)) best = s;
  }
  return best;
}
