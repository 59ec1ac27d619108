// A lying Reconcile responder (a byzantine test hook): every answer to a
// round (ranges asked) is rewritten so that it stays well formed on its own
// — the protocol's validator accepts it — yet breaks what the exchange
// allows (PROTOCOL.md §7): an honest initiator must refuse each one, count
// it, and repair the stream from another peer. Fetch answers stay true.
// Its sibling `endlessReconcile` breaks nothing in any one answer: it only
// never lets the exchange end (§7.5 "Termination").
import { create } from "@bufbuild/protobuf";
import { fingerprintOf } from "@tidemark/engine";
import {
  CodedSymbolsSchema,
  type ItemList,
  ItemListSchema,
  type ReconcileRange,
  ReconcileRangeSchema,
  type ReconcileRequest,
  type ReconcileResponse,
  ReconcileResponseSchema,
} from "@tidemark/protocol";

/** An id no listing asked about: the top of the id space (inside any last range). */
export const UNASKED_ID = new Uint8Array(16).fill(0xff);

/** The last range asks for UNASKED_ID: "needed ids" the initiator never listed. */
function unaskedNeed(ranges: readonly ReconcileRange[]): ReconcileRange[] {
  const last = ranges[ranges.length - 1] as ReconcileRange;
  const items = create(ItemListSchema, { neededIds: UNASKED_ID });
  return [
    ...ranges.slice(0, -1),
    create(ReconcileRangeSchema, { ...last, payload: { case: "items", value: items } }),
  ];
}

/** Coded symbols one index past the one asked for: out of sequence. */
function skipOne(only: ReconcileRange): ReconcileRange[] | undefined {
  if (only.payload.case !== "symbols") return undefined;
  const s = only.payload.value;
  const symbols = create(CodedSymbolsSchema, { ...s, start: s.start + 1n });
  return [create(ReconcileRangeSchema, { ...only, payload: { case: "symbols", value: symbols } })];
}

/**
 * A round answer rewritten: coded symbols alternately out of sequence and
 * replaced by a listing's needed id (`n`: coded answers rewritten before);
 * range rounds, and an empty answer (all settled), with a needed id never
 * listed.
 */
export function badReconcile(res: ReconcileResponse, n: number): ReconcileResponse {
  const ranges = res.ranges.length === 0 ? [create(ReconcileRangeSchema)] : res.ranges;
  const only = ranges.length === 1 ? ranges[0] : undefined;
  const shifted = n % 2 === 0 && only !== undefined ? skipOne(only) : undefined;
  return create(ReconcileResponseSchema, { ...res, ranges: shifted ?? unaskedNeed(ranges) });
}

/** True for an answer of coded symbols (what `badReconcile`'s `n` counts). */
export function isCoded(res: ReconcileResponse): boolean {
  return res.ranges.length === 1 && res.ranges[0]?.payload.case === "symbols";
}

/** `value` with its last bit flipped: equal to nothing it was computed from. */
function flipped(value: Uint8Array): Uint8Array {
  const out = value.slice();
  out[15] = ((out[15] as number) ^ 1) & 0xff;
  return out;
}

/**
 * A range-round answer that never lets the initiator finish (the lie
 * `endless-reconcile`): every range asked (skips aside) answered by one
 * fingerprint range with the same bounds that matches the initiator's
 * own — its claimed fingerprint, or the sum of the items it listed, one
 * bit off. Each answer is valid on its own (§7.5 allows describing a
 * listed range), so the initiator splits and lists again, round after
 * round, until its round bound stops the attempt. Coded symbols are
 * answered truly.
 */
export function endlessReconcile(req: ReconcileRequest, res: ReconcileResponse): ReconcileResponse {
  if (res.cursor === undefined || req.ranges.some((r) => r.payload.case === "symbolsRequest"))
    return res;
  const ranges = req.ranges.map((r) => {
    const p = r.payload;
    if (p.case !== "fingerprint" && p.case !== "items") return r;
    const own = p.case === "fingerprint" ? p.value : listedFingerprint(p.value);
    return create(ReconcileRangeSchema, {
      upperBound: r.upperBound,
      payload: { case: "fingerprint", value: flipped(own) },
    });
  });
  return create(ReconcileResponseSchema, { ...res, ranges });
}

/** §7.3's fingerprint of the items a full listing names. */
function listedFingerprint(list: ItemList): Uint8Array {
  return fingerprintOf(
    list.seqs.map((seq, k) => ({ id: list.ids.subarray(16 * k, 16 * k + 16), seq })),
  );
}
