// Re-applying anything is a no-op: after the run has converged, the most
// recent realtime pushes each device served are delivered to it again
// (straight into its PushChanges handler); no device's streams or rows may
// change, and the devices must still agree.
import { createHash } from "node:crypto";
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

/** A digest of everything a replica exposes: watermarks, entries and visible shared rows. */
export async function replicaDigest(node: SimNode): Promise<string> {
  const h = createHash("sha256");
  const probe = node.replica?.probe;
  if (probe === undefined) return "";
  for (const w of await probe.watermarks()) {
    h.update(
      `${w.stream.origin}/${w.stream.resource} ${w.cursor} ${w.liveCount} ${w.fingerprint} ${w.pulling}\n`,
    );
    for (const e of await probe.entries(w.stream)) h.update(`${e.id} ${e.seq} ${e.deleted}\n`);
  }
  // Device-owned rows are their stream's entries; shared rows are the LWW
  // winner over every origin's entry, so they are digested themselves.
  for (const resource of RESOURCES_IN_FK_ORDER) {
    if (!isSharedResource(resource)) continue;
    for (const row of await probe.rows(resource)) h.update(`${canonicalRow(row)}\n`);
  }
  return h.digest("hex");
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
  const before = new Map<number, string>();
  for (const n of nodes) before.set(n.index, await replicaDigest(n));
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
    if ((await replicaDigest(n)) !== before.get(n.index)) {
      return {
        failure: {
          property: "reapply-noop",
          devices: [n.index, n.index],
          detail: `d${n.index}'s streams or rows changed when ${replayed} already-applied pushes were delivered again`,
        },
        replayed,
      };
    }
  }
  return { failure: undefined, replayed };
}
