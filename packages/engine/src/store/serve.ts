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
import { EngineError, EngineErrorCode } from "../errors.js";
import type { DependencyBuffer, Held } from "./dep-buffer.js";
import { compareIds, idToHex, streamKeyString, toStreamId } from "./ids.js";
import { ENTRY_BODY_OFFSET, type EntryRaw, type ResourceTable } from "./resource-table.js";
import { toChange } from "./row-codec.js";
import type { PageLimits, ReconcileItem, StreamKey } from "./store-api.js";
import type { StreamRow } from "./stream-state.js";

// Per-change framing on the wire (tag + length varint), counted against maxBytes.
const FRAME_OVERHEAD = 4;

/** The stored entry as the Change its origin signed (signature included, if any). */
export function rawToChange(table: ResourceTable, r: EntryRaw): Change {
  return toChange(
    table.def,
    r[0],
    r[1],
    r[2] === null ? undefined : r[2],
    r[3] !== 0n,
    r,
    ENTRY_BODY_OFFSET,
    r[4],
  );
}

/** The answer for a stream this replica holds no cursor of, or whose resource it does not know. */
export function notHeldPage(stream: StreamKey): BackfillResponse {
  return create(BackfillResponseSchema, {
    stream: toStreamId(stream),
    status: PageStatus.NOT_HELD,
    streamDone: true,
  });
}

/** One Backfill page of `stream` after `afterSeq` (see ReplicaStore.changesAfter). */
export function servePage(
  table: ResourceTable,
  buffer: DependencyBuffer,
  stream: StreamKey,
  st: StreamRow | undefined,
  afterSeq: bigint | undefined,
  limits: PageLimits,
  continued = false,
): BackfillResponse {
  if (!st || st.cursor === undefined) {
    if (continued) throw noLongerServed(stream, afterSeq);
    return notHeldPage(stream);
  }
  const base = { stream: toStreamId(stream) };
  const cursor = st.cursor;
  // Only the request's after_seq is judged (BF-2, BF-17): a caller that
  // asked from the start, or from above the horizon, gets the rest in order.
  if (!continued && afterSeq !== undefined && st.horizon !== undefined && afterSeq < st.horizon) {
    return create(BackfillResponseSchema, {
      ...base,
      status: PageStatus.BELOW_HORIZON,
      tombstoneHorizon: st.horizon,
      streamDone: true,
    });
  }
  const from = afterSeq ?? 0n;
  if (st.pullReplaced !== undefined && st.pullReplaced > from)
    return unpromisable(st, from, continued);
  const done = { ...base, status: PageStatus.OK, completeThrough: cursor, streamDone: true };
  // Nothing after a caller that holds as much as we do: the promise is
  // complete through its own after_seq, never below it (PROTOCOL.md BF-4).
  if (from >= cursor) return create(BackfillResponseSchema, { ...done, completeThrough: from });

  const maxChanges = Math.max(1, limits.maxChanges);
  // One candidate more than a page holds tells whether more remain.
  const { candidates, tableDone } = candidatesAfter(table, buffer, st, from, maxChanges + 1);
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
  const more = candidates.length > page.length || !tableDone;
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

/**
 * Mid-pull, our pages replaced a version after `from` (at or below the
 * cursor) with one above it: no page of ours holds the row as of any seq
 * we could promise, so we promise nothing (PROTOCOL.md §5.2 BF-18). A
 * call's first page says NOT_HELD; a call whose earlier pages went out
 * before the replacement fails, as a cut call (the caller keeps its pages
 * and resumes elsewhere or later, §3.5 CU-5).
 */
function unpromisable(st: StreamRow, from: bigint, continued: boolean): BackfillResponse {
  if (!continued) return notHeldPage(st.key);
  throw new EngineError(
    EngineErrorCode.Unavailable,
    "stream changed under the call: a pull replaced a version not yet served",
    { stream: st.keyString, after: from, replaced: st.pullReplaced },
  );
}

/**
 * A stream served by the call's earlier pages and no longer served (an own
 * stream now holding changes above its cursor: unconfirmed writes, a
 * pull-back, §3.7 OR-1). A NOT_HELD page is only ever a stream's first,
 * so the call fails as a cut one, as BF-18's (PROTOCOL.md §5.2 BF-20).
 */
function noLongerServed(stream: StreamKey, afterSeq: bigint | undefined): EngineError {
  return new EngineError(
    EngineErrorCode.Unavailable,
    "stream changed under the call: it is no longer served (own changes above its cursor are unconfirmed)",
    { stream: streamKeyString(stream), after: afterSeq ?? 0n },
  );
}

/**
 * The stream's entries after `from` in seq order, at least `want` of them
 * unless fewer remain: table rows whose row has no newer held version,
 * merged with held changes. A held change is merged only once the table
 * has been read up to its seq, so rows dropped as superseded never let a
 * later held change jump ahead of table rows not yet read (the page would
 * skip them and complete_through would pass them).
 */
function candidatesAfter(
  table: ResourceTable,
  buffer: DependencyBuffer,
  st: StreamRow,
  from: bigint,
  want: number,
): { readonly candidates: Change[]; readonly tableDone: boolean } {
  const cursor = st.cursor as bigint;
  const held = buffer
    .ofStream(st.keyString)
    .filter((h) => h.change.seq > from && h.change.seq <= cursor)
    .sort((a, b) => (a.change.seq < b.change.seq ? -1 : 1));
  const heldRows = new Set(held.map((h) => h.rowHex));
  const out: Change[] = [];
  let after = from;
  let next = 0;
  let tableDone = false;
  // Each read covers more of the table (at least one row), so this ends.
  while (out.length < want && !tableDone) {
    const ask = want - out.length;
    const rows = table.serve.all(st.origin, after, cursor, ask) as EntryRaw[];
    tableDone = rows.length < ask;
    const readTo = tableDone ? cursor : (rows[rows.length - 1] as EntryRaw)[1];
    for (const r of rows) {
      for (; next < held.length && (held[next] as Held).change.seq < r[1]; next++) {
        out.push((held[next] as Held).change);
      }
      if (heldRows.size === 0 || !heldRows.has(idToHex(r[0]))) out.push(rawToChange(table, r));
    }
    for (; next < held.length && (held[next] as Held).change.seq <= readTo; next++) {
      out.push((held[next] as Held).change);
    }
    after = readTo;
  }
  return { candidates: out, tableDone };
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
