// Read side of a stream: pages for Backfill, items and changes for
// Reconcile. Never serves beyond the local cursor (relays included).
import { create, toBinary } from "@bufbuild/protobuf";
import {
  type BackfillResponse,
  BackfillResponseSchema,
  type Change,
  ChangeSchema,
  PageStatus,
} from "@tidemark/protocol";
import type { DependencyBuffer } from "./dep-buffer.js";
import { compareIds, idToHex, toStreamId } from "./ids.js";
import { ENTRY_BODY_OFFSET, type EntryRaw, type ResourceTable } from "./resource-table.js";
import { toChange } from "./row-codec.js";
import type { PageLimits, ReconcileItem, StreamKey } from "./store-api.js";
import type { StreamRow } from "./stream-state.js";

// Per-change framing on the wire (tag + length varint), counted against maxBytes.
const FRAME_OVERHEAD = 4;

function rawToChange(table: ResourceTable, r: EntryRaw): Change {
  return toChange(
    table.def,
    r[0],
    r[1],
    r[2] === null ? undefined : r[2],
    r[3] !== 0n,
    r,
    ENTRY_BODY_OFFSET,
  );
}

/** One Backfill page of `stream` after `afterSeq` (see ReplicaStore.changesAfter). */
export function servePage(
  table: ResourceTable,
  buffer: DependencyBuffer,
  stream: StreamKey,
  st: StreamRow | undefined,
  afterSeq: bigint | undefined,
  limits: PageLimits,
): BackfillResponse {
  const base = { stream: toStreamId(stream) };
  if (!st || st.cursor === undefined) {
    return create(BackfillResponseSchema, {
      ...base,
      status: PageStatus.NOT_HELD,
      streamDone: true,
    });
  }
  const cursor = st.cursor;
  if (afterSeq !== undefined && st.horizon !== undefined && afterSeq < st.horizon) {
    return create(BackfillResponseSchema, {
      ...base,
      status: PageStatus.BELOW_HORIZON,
      tombstoneHorizon: st.horizon,
      streamDone: true,
    });
  }
  const from = afterSeq ?? 0n;
  const done = { ...base, status: PageStatus.OK, completeThrough: cursor, streamDone: true };
  if (from >= cursor) return create(BackfillResponseSchema, done);

  const maxChanges = Math.max(1, limits.maxChanges);
  const rows = table.serve.all(st.origin, from, cursor, maxChanges + 1) as EntryRaw[];
  let candidates: Change[];
  const held = buffer
    .ofStream(st.keyString)
    .filter((h) => h.change.seq > from && h.change.seq <= cursor);
  if (held.length === 0) {
    candidates = rows.map((r) => rawToChange(table, r));
  } else {
    // A held (newer) version replaces the table's older version of its row.
    const heldRows = new Set(held.map((h) => h.rowHex));
    candidates = rows.filter((r) => !heldRows.has(idToHex(r[0]))).map((r) => rawToChange(table, r));
    candidates.push(...held.map((h) => h.change));
    candidates.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  }
  const page: Change[] = [];
  let bytes = 0;
  for (const c of candidates) {
    if (page.length >= maxChanges) break;
    const size = toBinary(ChangeSchema, c).length + FRAME_OVERHEAD;
    // The first change always goes, so a page makes progress; maxBytes <= 0: no byte limit.
    if (page.length > 0 && limits.maxBytes > 0 && bytes + size > limits.maxBytes) break;
    page.push(c);
    bytes += size;
  }
  const more = candidates.length > page.length || rows.length > maxChanges;
  if (!more) return create(BackfillResponseSchema, { ...done, changes: page });
  const last = page[page.length - 1] as Change;
  return create(BackfillResponseSchema, {
    ...base,
    status: PageStatus.OK,
    changes: page,
    completeThrough: last.seq,
    streamDone: false,
  });
}

/** (id, seq) of every entry of the stream, live and tombstone, ascending by id. */
export function streamItems(
  table: ResourceTable,
  buffer: DependencyBuffer,
  st: StreamRow,
): ReconcileItem[] {
  const rows = table.reconcile.all(st.origin) as [Uint8Array, bigint][];
  const items: ReconcileItem[] = rows.map((r) => ({ id: new Uint8Array(r[0]), seq: r[1] }));
  const held = buffer.ofStream(st.keyString);
  if (held.length === 0) return items;
  const byRow = new Map(items.map((i) => [idToHex(i.id), i]));
  for (const h of held) byRow.set(h.rowHex, { id: h.change.rowId, seq: h.change.seq });
  return [...byRow.values()].sort((a, b) => compareIds(a.id, b.id));
}

/** The stream's current change for each id it holds, ascending by id. */
export function changesOf(
  table: ResourceTable,
  buffer: DependencyBuffer,
  st: StreamRow,
  ids: readonly Uint8Array[],
): Change[] {
  const out: Change[] = [];
  const seen = new Set<string>();
  for (const id of [...ids].sort(compareIds)) {
    const hex = idToHex(id);
    if (seen.has(hex)) continue;
    seen.add(hex);
    const held = buffer.get(st.keyString, hex);
    if (held) {
      out.push(held.change);
      continue;
    }
    const r = table.byId.get(st.origin, id) as EntryRaw | undefined;
    if (r) out.push(rawToChange(table, r));
  }
  return out;
}
