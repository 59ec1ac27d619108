// Well-formedness of the Rateless IBLT payloads of a ReconcileRange
// (PROTOCOL.md §7.9): sizes and index windows, nothing about content.
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import type { CodedSymbols, CodedSymbolsRequest } from "../gen/tidemark/sync/v1/reconcile_pb.js";
import type { StreamId } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  MAX_CODED_SYMBOL_INDEX,
  MAX_CODED_SYMBOLS_PER_MESSAGE,
  RIBLT_PROBE_BYTES,
} from "../limits.js";
import { checkCount, checkFingerprint } from "./fields.js";
import { reject } from "./result.js";

/** Bytes per symbol in CodedSymbols.sums: id XOR (16) + checksum XOR (8). */
export const CODED_SYMBOL_SUM_BYTES = 24;

/** fingerprint 16 bytes; count and start + count within limits; probes empty or RIBLT_PROBE_BYTES [RB-2]. */
export function checkSymbolsRequest(q: CodedSymbolsRequest, at: string, stream: StreamId): void {
  checkFingerprint(q.fingerprint, `${at}.fingerprint`, stream);
  checkCount(q.count, MAX_CODED_SYMBOLS_PER_MESSAGE, `${at}.count`, ErrorReason.MALFORMED);
  checkWindow(q.start, q.count, at, stream);
  if (q.probes.length !== 0 && q.probes.length !== RIBLT_PROBE_BYTES) {
    reject(
      ErrorReason.MALFORMED,
      `${at}.probes is ${q.probes.length} bytes, must be 0 or ${RIBLT_PROBE_BYTES}`,
      { field: `${at}.probes`, stream, limit: RIBLT_PROBE_BYTES, actual: q.probes.length },
    );
  }
}

/** n counts, n x 24 sum bytes, n seq sums, n within limits, a 16-byte fingerprint [RB-2]. */
export function checkCodedSymbols(s: CodedSymbols, at: string, stream: StreamId): void {
  const n = s.counts.length;
  checkCount(n, MAX_CODED_SYMBOLS_PER_MESSAGE, `${at}.counts`);
  checkFingerprint(s.fingerprint, `${at}.fingerprint`, stream);
  checkWindow(s.start, n, at, stream);
  if (s.sums.length !== n * CODED_SYMBOL_SUM_BYTES || s.seqSums.length !== n) {
    reject(
      ErrorReason.MALFORMED,
      `${at}: ${n} counts need ${n * CODED_SYMBOL_SUM_BYTES} sum bytes and ${n} seq_sums, got ${s.sums.length} and ${s.seqSums.length}`,
      { field: `${at}.sums`, stream, limit: n * CODED_SYMBOL_SUM_BYTES, actual: s.sums.length },
    );
  }
}

function checkWindow(start: bigint, count: number, at: string, stream: StreamId): void {
  if (start + BigInt(count) > BigInt(MAX_CODED_SYMBOL_INDEX)) {
    reject(ErrorReason.MALFORMED, `${at}: symbols past index 2^32`, {
      field: `${at}.start`,
      stream,
    });
  }
}
