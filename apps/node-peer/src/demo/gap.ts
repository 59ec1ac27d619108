// "Bytes of the missing rows": what a device lacked at restart, measured by
// asking each origin for the changes after the device's stored position and
// summing their encoded sizes. The yardstick for the recovery's wire bytes.
import { toBinary } from "@bufbuild/protobuf";
import { ChangeSchema, Resource } from "@tidemark/protocol";
import { fromHex } from "../ids.js";
import type { ClientCredentials } from "../net/pinned-tls.js";
import { formatBytes } from "../progress.js";
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
  as: ClientCredentials,
): Promise<MissingRows> {
  const held = new Map(before.streams.map((s) => [s.key, s]));
  let changes = 0;
  let bytes = 0;
  for (const o of origins) {
    if (o.deviceId === before.device) continue;
    // Asked as the restarted device itself (its key): only a paired device gets in.
    const client = createSyncClient(o.url, { credentials: as, expectDevice: o.deviceId });
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

export type GapRecovery = {
  /** Changes the origins held beyond the device's stored position at restart. */
  readonly rowsMissing: number;
  /** Their encoded size (protobuf Change bytes). */
  readonly missingBytes: number;
  /** What the device's engine counted as received after the restart. */
  readonly recordsIn: number;
  readonly changeBytesIn: number;
  /** TCP bytes the device read after the restart (gzip, HTTP/2 framing included). */
  readonly wireBytesIn: number;
};

function sumMetric(metrics: Readonly<Record<string, number>>, name: string): number {
  let n = 0;
  for (const [key, v] of Object.entries(metrics)) if ((key.split("{")[0] ?? key) === name) n += v;
  return n;
}

/** Missing rows at restart vs what the restarted device received since. */
export async function measureGapRecovery(
  before: StatusReport,
  after: StatusReport,
  origins: readonly { deviceId: string; url: string; report: StatusReport }[],
  as: ClientCredentials,
): Promise<GapRecovery> {
  const missing = await missingRows(before, origins, as);
  return {
    rowsMissing: missing.changes,
    missingBytes: missing.bytes,
    recordsIn: sumMetric(after.metrics, "tidemark_records_in_total"),
    changeBytesIn: sumMetric(after.metrics, "tidemark_bytes_in_total"),
    wireBytesIn: after.wire.bytesIn,
  };
}

export function describeGap(name: string, g: GapRecovery): string {
  const ratio = (g.changeBytesIn / Math.max(1, g.missingBytes)).toFixed(2);
  return (
    `gap recovery    ${name} lacked ${g.rowsMissing} changes (${formatBytes(g.missingBytes)} encoded) at restart; ` +
    `it received ${g.recordsIn} changes, ${formatBytes(g.changeBytesIn)} encoded (${ratio}x the missing bytes), ` +
    `${formatBytes(g.wireBytesIn)} on the wire (compressed, HTTP/2 framing included)`
  );
}
