// Re-applying anything is a no-op: after the run has converged, the most
// recent realtime pushes each device served are delivered to it again
// (straight into its PushChanges handler); no device's streams or rows may
// change, and the devices must still agree.
import { create, fromBinary } from "@bufbuild/protobuf";
import { createHandlerContext } from "@connectrpc/connect";
import {
  isSharedResource,
  PushChangesRequestSchema,
  RESOURCES_IN_FK_ORDER,
  SyncService,
} from "@tidemark/protocol";
import type { SimNode } from "../node.js";
import { canonicalRow } from "../probe/row-version.js";
import type { PropertyFailure } from "./property.js";
import { shortRef } from "./short-key.js";

type Served = { readonly to: number; readonly bytes: Uint8Array };

/** A bounded log of served PushChanges requests. */
export class PushLog {
  private readonly items: Served[] = [];

  constructor(private readonly max: number) {}

  record(to: number, method: string, bytes: Uint8Array): void {
    if (method !== "pushChanges") return;
    this.items.push({ to, bytes });
    if (this.items.length > this.max) this.items.shift();
  }

  get entries(): readonly Served[] {
    return this.items;
  }
}

/** Everything a replica exposes, one line each: watermarks, live entries and visible shared rows. */
export async function replicaLines(node: SimNode): Promise<string[]> {
  const out: string[] = [];
  const probe = node.replica?.probe;
  if (probe === undefined) return out;
  for (const w of await probe.watermarks()) {
    const key = shortRef(w.stream);
    out.push(
      `${key} cursor=${w.cursor} count=${w.liveCount} fp=${w.fingerprint.slice(0, 12)} pulling=${w.pulling}`,
    );
    // Live entries only: tombstones may be pruned meanwhile, which is no change.
    for (const e of await probe.entries(w.stream))
      if (!e.deleted) out.push(`${key} entry ${e.id} ${e.seq}`);
  }
  // Device-owned rows are their stream's entries; shared rows are the LWW
  // winner over every origin's entry, so they are listed themselves.
  for (const resource of RESOURCES_IN_FK_ORDER) {
    if (!isSharedResource(resource)) continue;
    for (const row of await probe.rows(resource)) out.push(`row ${canonicalRow(row)}`);
  }
  return out;
}

/** The first line that differs between two listings, as "before -> after". */
function firstDifference(a: readonly string[], b: readonly string[]): string {
  const before = new Set(a);
  const after = new Set(b);
  const gone = a.find((l) => !after.has(l));
  const added = b.find((l) => !before.has(l));
  return `${gone ?? "(nothing)"} -> ${added ?? "(nothing)"}`;
}

type PushHandler = (req: unknown, ctx: unknown) => Promise<unknown> | unknown;

/**
 * Re-delivers the logged pushes to their (still live) receivers; `settle`
 * lets the engines finish any follow-up work in virtual time. Returns the
 * first device whose state changed, and how many pushes were re-applied.
 */
export async function reapplyIsNoop(
  nodes: readonly SimNode[],
  log: PushLog,
  settle: () => Promise<void>,
): Promise<{ failure: PropertyFailure | undefined; replayed: number }> {
  const before = new Map<number, string[]>();
  for (const n of nodes) before.set(n.index, await replicaLines(n));
  let replayed = 0;
  for (const { to, bytes } of log.entries) {
    const node = nodes.find((n) => n.index === to);
    const service = node?.replica?.service as unknown as { pushChanges?: PushHandler } | undefined;
    if (service?.pushChanges === undefined) continue;
    const ctx = createHandlerContext({
      service: SyncService,
      method: SyncService.method.pushChanges,
      protocolName: "sim",
      requestMethod: "POST",
      url: "sim://replay",
    });
    const req = create(PushChangesRequestSchema, fromBinary(PushChangesRequestSchema, bytes));
    try {
      await service.pushChanges(req, ctx);
    } catch {
      // Refused again as it was the first time: also no change.
    }
    replayed++;
  }
  await settle();
  for (const n of nodes) {
    const was = before.get(n.index) ?? [];
    const now = await replicaLines(n);
    if (now.length !== was.length || now.some((l, i) => l !== was[i])) {
      return {
        failure: {
          property: "reapply-noop",
          devices: [n.index, n.index],
          detail: `d${n.index}'s streams or rows changed when ${replayed} already-applied pushes were delivered again: ${firstDifference(was, now)}`,
        },
        replayed,
      };
    }
  }
  return { failure: undefined, replayed };
}
