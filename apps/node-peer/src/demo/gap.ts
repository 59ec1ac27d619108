// "Bytes of the missing rows": what a device lacked at restart, measured by
// asking each origin for the changes after the device's stored position and
// summing their encoded sizes. The yardstick for the recovery's wire bytes.
import { toBinary } from "@bufbuild/protobuf";
import { ChangeSchema, Resource } from "@tidemark/protocol";
import { fromHex } from "../ids.js";
import type { StatusReport } from "../status-report.js";
import { createSyncClient } from "../transport.js";

export type MissingRows = { readonly changes: number; readonly bytes: number };

function resourceOf(name: string): Resource {
  const r = (Resource as unknown as Record<string, Resource>)[name.toUpperCase()];
  if (r === undefined) throw new Error(`unknown resource ${name}`);
  return r;
}

/**
 * Changes (and their encoded bytes) each origin holds beyond what `before`
 * held: after its cursor, or after its highest applied seq while a pull was
 * unfinished (those pages are durable and a resumed pull skips them).
 */
export async function missingRows(
  before: StatusReport,
  origins: readonly { deviceId: string; url: string; report: StatusReport }[],
): Promise<MissingRows> {
  const held = new Map(before.streams.map((s) => [s.key, s]));
  let changes = 0;
  let bytes = 0;
  for (const o of origins) {
    if (o.deviceId === before.device) continue;
    const client = createSyncClient(o.url);
    const streams = o.report.streams
      .filter((s) => s.origin === o.deviceId)
      .map((s) => {
        const h = held.get(s.key);
        const after = h === undefined ? null : h.pulling ? h.maxAppliedSeq : h.cursor;
        return {
          stream: { origin: fromHex(s.origin), resource: resourceOf(s.resource) },
          ...(after === null ? {} : { afterSeq: BigInt(after) }),
        };
      });
    for await (const page of client.backfill({
      libraryId: fromHex(before.library),
      deviceId: fromHex(before.device),
      streams,
      maxChangesPerPage: 5000,
    })) {
      for (const c of page.changes) {
        changes++;
        bytes += toBinary(ChangeSchema, c).length;
      }
    }
  }
  return { changes, bytes };
}
