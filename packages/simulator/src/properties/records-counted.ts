// records-counted (exported metrics against the store): an operator reads
// `tidemark_records_in_total{peer,stream}` ("changes received and applied")
// with `tidemark_parents_fetched_total` (parents fetched by id, RF-5) to
// see what arrived from where. Every entry a device holds of another
// origin's stream — tombstones and rows held for a parent included — came
// to it through one of those paths (a page, a push applied at once or
// drained from the held ones later, a reconcile, a parent fetch), so on a
// device that started empty and never restarted (its counters restart
// with it; a restored image brings rows no one sent) the two counters'
// sum per stream is at least the entries it holds. Fewer is a path that
// applies changes unseen by the metrics. An implementation exporting
// neither counter is not judged.
import { streamKeyString } from "@tidemark/engine";
import type { ReplicaProbe } from "../probe/probe.js";
import { parseMetricKey } from "./peer-status.js";
import type { PropertyFailure } from "./property.js";

const NAME = "records-counted";
const COUNTERS: ReadonlySet<string> = new Set([
  "tidemark_records_in_total",
  "tidemark_parents_fetched_total",
]);

/** What this check reads of a device (a SimNode; a stub in tests). */
export type CountedNode = {
  readonly index: number;
  readonly deviceId: string;
  /** Opens so far: 1 is a device that started empty and never restarted. */
  readonly starts: number;
  readonly replica:
    | { readonly probe: Pick<ReplicaProbe, "metrics" | "watermarks" | "entries"> }
    | undefined;
};

/** Stream key -> the counters' sum over every peer; undefined when neither is exported. */
function countedByStream(
  metrics: Readonly<Record<string, number>>,
): Map<string, number> | undefined {
  let any = false;
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(metrics)) {
    const s = parseMetricKey(k);
    if (!COUNTERS.has(s.name)) continue;
    any = true;
    const stream = s.labels.stream;
    if (stream !== undefined) out.set(stream, (out.get(stream) ?? 0) + v);
  }
  return any ? out : undefined;
}

export async function recordsCounted(
  nodes: readonly CountedNode[],
): Promise<PropertyFailure | undefined> {
  for (const n of nodes) {
    if (n.replica === undefined || n.starts !== 1) continue;
    const { probe } = n.replica;
    const counted = countedByStream(await probe.metrics());
    if (counted === undefined) continue;
    for (const w of await probe.watermarks()) {
      if (w.stream.origin === n.deviceId) continue;
      const key = streamKeyString(w.stream);
      const held = (await probe.entries(w.stream)).length;
      const got = counted.get(key) ?? 0;
      if (got >= held) continue;
      return {
        property: NAME,
        detail: `d${n.index} holds ${held} entries of stream ${key} but counted ${got} received (tidemark_records_in_total + tidemark_parents_fetched_total)`,
      };
    }
  }
  return undefined;
}
