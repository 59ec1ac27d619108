// Range list and item list well-formedness for Reconcile (PROTOCOL.md §7.2).
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import type { ItemList, ReconcileRange } from "../gen/tidemark/sync/v1/reconcile_pb.js";
import type { StreamId } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  ID_BYTES,
  MAX_BOUND_BYTES,
  MAX_IDS_PER_ITEM_LIST,
  MAX_RANGES_PER_MESSAGE,
} from "../limits.js";
import { checkCodedSymbols, checkSymbolsRequest } from "./coded-symbols.js";
import { checkCount, checkFingerprint, compareBytes } from "./fields.js";
import { reject } from "./result.js";

/** A bound padded with zeros to 16 bytes, so bounds and ids compare as equals. */
export function padBound(bound: Uint8Array): Uint8Array {
  const out = new Uint8Array(ID_BYTES);
  out.set(bound.subarray(0, ID_BYTES));
  return out;
}

/**
 * Ranges: at most MAX_RANGES_PER_MESSAGE; bounds of at most 16 bytes,
 * strictly ascending (compared zero-padded); the last, and only the last,
 * is empty ("to the end"), so a message tiles the id space; each carries a payload; fingerprints are 16 bytes; item
 * lists are well-formed and their ids lie inside their range.
 */
export function checkRanges(
  ranges: readonly ReconcileRange[],
  field: string,
  stream: StreamId,
  direction: "request" | "reply",
): void {
  checkCount(ranges.length, MAX_RANGES_PER_MESSAGE, field);
  let lower: Uint8Array = new Uint8Array(ID_BYTES);
  ranges.forEach((range, i) => {
    const at = `${field}[${i}]`;
    const b = range.upperBound;
    if (b.length > MAX_BOUND_BYTES) {
      reject(
        ErrorReason.MALFORMED,
        `${at}.upper_bound is ${b.length} bytes, limit ${MAX_BOUND_BYTES}`,
        {
          field: `${at}.upper_bound`,
          stream,
          limit: MAX_BOUND_BYTES,
          actual: b.length,
        },
      );
    }
    // Ranges tile the whole id space: only the last is open-ended, and it must be.
    const isEnd = b.length === 0;
    const isLast = i === ranges.length - 1;
    if (isEnd !== isLast) {
      const why = isLast
        ? "the last range must end the id space (empty bound)"
        : "only the last range may have an empty bound";
      reject(ErrorReason.MALFORMED, `${at}.upper_bound: ${why}`, {
        field: `${at}.upper_bound`,
        stream,
      });
    }
    const upper = padBound(b);
    if (!isEnd && compareBytes(upper, lower) <= 0) {
      reject(ErrorReason.MALFORMED, `${at}.upper_bound is not above the previous bound`, {
        field: `${at}.upper_bound`,
        stream,
      });
    }
    checkDirection(range, at, stream, direction);
    checkPayload(range, at, stream, lower, isEnd ? undefined : upper);
    lower = upper;
  });
}

/** symbols_request only in a request, symbols only in a reply [RC-23]. */
function checkDirection(
  range: ReconcileRange,
  at: string,
  stream: StreamId,
  direction: "request" | "reply",
): void {
  const wrong = direction === "request" ? "symbols" : "symbolsRequest";
  if (range.payload.case === wrong) {
    const name = wrong === "symbols" ? "symbols" : "symbols_request";
    reject(ErrorReason.MALFORMED, `${at}.${name} is not allowed in a ${direction}`, {
      field: `${at}.${name}`,
      stream,
    });
  }
}

function checkPayload(
  range: ReconcileRange,
  at: string,
  stream: StreamId,
  lower: Uint8Array,
  upper: Uint8Array | undefined,
): void {
  switch (range.payload.case) {
    case "fingerprint":
      checkFingerprint(range.payload.value, `${at}.fingerprint`, stream);
      return;
    case "items":
      checkItemList(range.payload.value, `${at}.items`, stream, lower, upper);
      return;
    case "skip":
      return;
    case "symbolsRequest":
      checkSymbolsRequest(range.payload.value, `${at}.symbols_request`, stream);
      return;
    case "symbols":
      checkCodedSymbols(range.payload.value, `${at}.symbols`, stream);
      return;
    default:
      reject(ErrorReason.MISSING_FIELD, `${at}.payload is required`, {
        field: `${at}.payload`,
        stream,
      });
  }
}

/**
 * An ItemList: ids a multiple of 16 bytes, as many seqs as ids, each seq
 * >= 1, ids strictly ascending and inside [lower, upper); at most
 * MAX_IDS_PER_ITEM_LIST items; needed_ids a multiple of 16 bytes, at most as
 * many, ascending, inside the range too.
 */
export function checkItemList(
  list: ItemList,
  at: string,
  stream: StreamId,
  lower: Uint8Array,
  upper: Uint8Array | undefined,
): void {
  const count = checkPackedIds(list.ids, `${at}.ids`, stream, lower, upper);
  if (list.seqs.length !== count) {
    reject(ErrorReason.MALFORMED, `${at} has ${count} ids but ${list.seqs.length} seqs`, {
      field: `${at}.seqs`,
      stream,
      limit: count,
      actual: list.seqs.length,
    });
  }
  list.seqs.forEach((seq, j) => {
    if (seq < 1n) {
      reject(ErrorReason.MALFORMED, `${at}.seqs[${j}] must be >= 1`, {
        field: `${at}.seqs[${j}]`,
        stream,
      });
    }
  });
  checkPackedIds(list.neededIds, `${at}.needed_ids`, stream, lower, upper);
}

function checkPackedIds(
  ids: Uint8Array,
  at: string,
  stream: StreamId,
  lower: Uint8Array,
  upper: Uint8Array | undefined,
): number {
  if (ids.length % ID_BYTES !== 0) {
    reject(ErrorReason.MALFORMED, `${at} is ${ids.length} bytes, not a multiple of ${ID_BYTES}`, {
      field: at,
      stream,
      actual: ids.length,
    });
  }
  const count = ids.length / ID_BYTES;
  checkCount(count, MAX_IDS_PER_ITEM_LIST, at);
  let prev: Uint8Array | undefined;
  for (let j = 0; j < count; j++) {
    const id = ids.subarray(j * ID_BYTES, (j + 1) * ID_BYTES);
    const below = compareBytes(id, lower) < 0;
    const above = upper !== undefined && compareBytes(id, upper) >= 0;
    if (below || above) {
      reject(ErrorReason.MALFORMED, `${at}[${j}] lies outside its range`, { field: at, stream });
    }
    if (prev !== undefined && compareBytes(prev, id) >= 0) {
      reject(ErrorReason.MALFORMED, `${at}[${j}] is not ascending`, { field: at, stream });
    }
    prev = id;
  }
  return count;
}
