// held-changes-accounted (exported metrics): realtime changes a device
// holds back (after a gap, or while it pulls the stream) leave the pending
// buffer applied, stale (a pull or another batch brought them), dropped past their origin's
// head, or refused by the store when drained — each counted by stream
// (`tidemark_realtime_released_total{outcome}`), so a held change never
// vanishes unsaid. What was held (`tidemark_realtime_held_total`) less
// what left is what the buffer still holds (`tidemark_pending_buffer_changes`).
// Counters and buffer both restart with a device, so any incarnation is
// judged; only streams with a held counter are (the gauge's total over all
// streams has none). A device exporting no held counter is not judged.
import type { ReplicaProbe } from "../probe/probe.js";
import { parseMetricKey } from "./peer-status.js";
import type { PropertyFailure } from "./property.js";

const NAME = "held-changes-accounted";
const HELD = "tidemark_realtime_held_total";
const RELEASED = "tidemark_realtime_released_total";
const GAUGE = "tidemark_pending_buffer_changes";

/** What this check reads of a device (a SimNode; a stub in tests). */
export type HeldNode = {
  readonly index: number;
  readonly replica: { readonly probe: Pick<ReplicaProbe, "metrics"> } | undefined;
};

type Account = { counted: boolean; held: number; released: Map<string, number>; holding: number };

/** Stream key -> its account (`counted`: the stream has a held counter of its own). */
function accounts(metrics: Readonly<Record<string, number>>): Map<string, Account> {
  const out = new Map<string, Account>();
  const of = (stream: string) => {
    const known = out.get(stream);
    if (known !== undefined) return known;
    const a: Account = { counted: false, held: 0, released: new Map(), holding: 0 };
    out.set(stream, a);
    return a;
  };
  for (const [k, v] of Object.entries(metrics)) {
    const { name, labels } = parseMetricKey(k);
    const stream = labels.stream;
    if (stream === undefined) continue;
    if (name === HELD) {
      const a = of(stream);
      a.counted = true;
      a.held += v;
    } else if (name === GAUGE) of(stream).holding += v;
    else if (name === RELEASED) {
      const r = of(stream).released;
      const outcome = labels.outcome ?? "?";
      r.set(outcome, (r.get(outcome) ?? 0) + v);
    }
  }
  return out;
}

function sum(m: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

/** Judges every live member's held-change account, stream by stream. */
export async function heldChangesAccounted(
  nodes: readonly HeldNode[],
): Promise<PropertyFailure | undefined> {
  for (const n of nodes) {
    if (n.replica === undefined) continue;
    for (const [stream, a] of accounts(await n.replica.probe.metrics())) {
      if (!a.counted) continue;
      const left = sum(a.released);
      if (a.held - left === a.holding) continue;
      const how = [...a.released].map(([o, v]) => `${o} ${v}`).join(", ") || "none";
      return {
        property: NAME,
        detail: `d${n.index} held ${a.held} realtime change(s) of stream ${stream}; ${left} left the buffer counted (${how}) and ${a.holding} are still held: ${a.held - left - a.holding} left unsaid (${HELD}, ${RELEASED}, ${GAUGE})`,
      };
    }
  }
  return undefined;
}
