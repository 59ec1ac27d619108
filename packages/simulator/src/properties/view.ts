// What properties judge: a plain snapshot of each live replica, read
// through its probe (so the same properties judge an in-process engine or
// a peer over the wire), plus the oracle of what was committed.
import { streamKeyString } from "@tidemark/engine";
import { isSharedResource } from "@tidemark/protocol";
import type { ReplicaProbe } from "../probe/probe.js";
import type { Gauges, IdHex, RowVersion, TreeReport, Watermark } from "../probe/types.js";

/** Just the watermarks: enough for the cheap convergence checks. */
export type WatermarkView = {
  readonly index: number;
  readonly deviceId: IdHex;
  readonly watermarks: readonly Watermark[];
};

export type NodeView = WatermarkView & {
  /** Live visible rows of every resource. */
  readonly rows: readonly RowVersion[];
  /** Stream key -> the stream's entries (live and tombstones, held included). */
  readonly entries: ReadonlyMap<string, readonly RowVersion[]>;
  readonly gauges: Gauges;
  readonly tree: TreeReport;
  readonly hlc: bigint;
};

/** Reads everything the properties need from one replica. */
export async function snapshotNode(
  index: number,
  deviceId: IdHex,
  probe: ReplicaProbe,
): Promise<NodeView> {
  const watermarks = await probe.watermarks();
  const entries = new Map<string, readonly RowVersion[]>();
  // Bodies only where a property compares them: each origin's own version of shared rows.
  for (const w of watermarks) {
    const bodies = isSharedResource(w.stream.resource);
    entries.set(streamKeyString(w.stream), await probe.entries(w.stream, { bodies }));
  }
  return {
    index,
    deviceId,
    watermarks,
    rows: await probe.rows(),
    entries,
    gauges: await probe.gauges(),
    tree: await probe.treeCheck(),
    hlc: await probe.hlc(),
  };
}

/** Live entries of the shared streams: each origin's own version of a shared row must agree too. */
export function sharedLiveEntries(view: NodeView): RowVersion[] {
  const out: RowVersion[] = [];
  for (const w of view.watermarks) {
    if (!isSharedResource(w.stream.resource)) continue;
    for (const r of view.entries.get(streamKeyString(w.stream)) ?? []) if (!r.deleted) out.push(r);
  }
  return out;
}
