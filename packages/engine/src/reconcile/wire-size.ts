// Exact protobuf-encoded sizes of ReconcileRange messages, computed without
// encoding so a sender can stop at its frame limit. Pinned against toBinary
// in wire-size.test.ts.
import { toBinary } from "@bufbuild/protobuf";
import {
  CodedSymbolsRequestSchema,
  CodedSymbolsSchema,
  type ReconcileRange,
} from "@tidemark/protocol";

/** Bytes of a varint encoding of n (n < 2^53 or a u64 bigint). */
export function varintSize(n: number | bigint): number {
  if (typeof n === "number") {
    if (n < 0x80) return 1;
    if (n < 0x4000) return 2;
    if (n < 0x20_0000) return 3;
    let size = 3;
    n = Math.floor(n / 0x20_0000);
    while (n >= 1) {
      n = Math.floor(n / 128);
      size++;
    }
    return size;
  }
  // Seqs are almost always safe integers: size them as numbers.
  if (n <= MAX_SAFE) return varintSize(Number(n));
  let size = 1;
  while (n >= 128n) {
    n >>= 7n;
    size++;
  }
  return size;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Bytes of a length-delimited field (1-byte tag) holding `len` bytes. */
function fieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/**
 * Bytes one range adds to a ReconcileRequest.ranges / ReconcileResponse.ranges
 * (both 1-byte tags): tag, length, upper_bound field, payload field.
 */
export function rangeWireSize(boundLength: number, payloadBodySize: number): number {
  const body = (boundLength > 0 ? fieldSize(boundLength) : 0) + payloadBodySize;
  return fieldSize(body);
}

export const FINGERPRINT_PAYLOAD_SIZE = fieldSize(16);
/** Tag + one byte `true`. */
export const SKIP_PAYLOAD_SIZE = 2;

/** Encoded size of one range as it appears in a message's repeated field. */
export function encodedRangeSize(range: ReconcileRange): number {
  const p = range.payload;
  let payload = 0;
  if (p.case === "fingerprint") payload = fieldSize(p.value.length);
  else if (p.case === "skip") payload = SKIP_PAYLOAD_SIZE;
  else if (p.case === "symbolsRequest")
    payload = fieldSize(toBinary(CodedSymbolsRequestSchema, p.value).length);
  else if (p.case === "symbols") payload = fieldSize(toBinary(CodedSymbolsSchema, p.value).length);
  else if (p.case === "items") {
    let seqBytes = 0;
    for (const s of p.value.seqs) seqBytes += varintSize(s);
    const body =
      (p.value.ids.length > 0 ? fieldSize(p.value.ids.length) : 0) +
      (p.value.seqs.length > 0 ? fieldSize(seqBytes) : 0) +
      (p.value.neededIds.length > 0 ? fieldSize(p.value.neededIds.length) : 0);
    payload = fieldSize(body);
  }
  return rangeWireSize(range.upperBound.length, payload);
}
