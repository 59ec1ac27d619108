// Arbitraries for Reconcile ranges and item lists: ascending bounds, the
// last one "to the end" or not, items inside their range.
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import {
  type CodedSymbols,
  type CodedSymbolsRequest,
  CodedSymbolsRequestSchema,
  CodedSymbolsSchema,
  type ItemList,
  ItemListSchema,
  type ReconcileRange,
  ReconcileRangeSchema,
} from "../gen/tidemark/sync/v1/reconcile_pb.js";
import { ID_BYTES, MAX_CODED_SYMBOLS_PER_MESSAGE, RIBLT_PROBE_BYTES } from "../limits.js";
import { compareBytes } from "../validate/fields.js";
import { padBound } from "../validate/ranges.js";
import { arbId, arbSeq, arbSortedIds, concat } from "./primitives.js";

/** Strictly ascending bounds (zero-padded), each a 1..16 byte prefix of a sorted id. */
const arbBounds = (maxRanges: number) =>
  fc
    .tuple(
      arbSortedIds(maxRanges),
      fc.array(fc.integer({ min: 1, max: ID_BYTES }), { maxLength: maxRanges }),
    )
    .map(([ids, lens]) => {
      const out: Uint8Array[] = [];
      let lower: Uint8Array = new Uint8Array(ID_BYTES);
      ids.forEach((id, i) => {
        const bound = id.slice(0, lens[i] ?? ID_BYTES);
        if (compareBytes(padBound(bound), lower) > 0) {
          out.push(bound);
          lower = padBound(bound);
        }
      });
      return out;
    });

/** An ItemList of the given ids (ascending), random seqs, needed_ids a subset. */
export function arbItemListOf(ids: readonly Uint8Array[]): fc.Arbitrary<ItemList> {
  return fc
    .tuple(
      fc.array(arbSeq(), { minLength: ids.length, maxLength: ids.length }),
      fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length }),
    )
    .map(([seqs, needed]) =>
      create(ItemListSchema, {
        ids: concat(ids),
        seqs,
        neededIds: concat(ids.filter((_, i) => needed[i])),
      }),
    );
}

/** A standalone ItemList (ids anywhere). */
export const arbItemList = (): fc.Arbitrary<ItemList> => arbSortedIds(8).chain(arbItemListOf);

/**
 * A valid range list for one Reconcile message (empty 1 time in 8):
 * ascending bounds, the last empty ("to the end"), each payload a fingerprint, an
 * item list of ids inside the range, or skip.
 */
export function arbRanges(maxRanges = 5): fc.Arbitrary<ReconcileRange[]> {
  return fc
    .record({ bounds: arbBounds(maxRanges - 1), none: fc.nat(7), pool: arbSortedIds(12) })
    .chain(({ bounds, none, pool }) => {
      if (none === 0) return fc.constant([]);
      const uppers: (Uint8Array | undefined)[] = [...bounds, undefined];
      let lower: Uint8Array = new Uint8Array(ID_BYTES);
      const parts = uppers.map((upper) => {
        const lo = lower;
        const hi = upper === undefined ? undefined : padBound(upper);
        const inside = pool.filter(
          (id) => compareBytes(id, lo) >= 0 && (hi === undefined || compareBytes(id, hi) < 0),
        );
        if (hi !== undefined) lower = hi;
        return arbRange(upper ?? new Uint8Array(0), inside);
      });
      return fc.tuple(...parts);
    });
}

function arbRange(upperBound: Uint8Array, inside: Uint8Array[]): fc.Arbitrary<ReconcileRange> {
  return fc
    .oneof(
      arbId().map((value) => ({ case: "fingerprint" as const, value })),
      arbItemListOf(inside).map((value) => ({ case: "items" as const, value })),
      fc.constant({ case: "skip" as const, value: true }),
    )
    .map((payload) => create(ReconcileRangeSchema, { upperBound, payload }));
}

/** A valid symbols_request: 16-byte fingerprint, a window below 2^32, probes empty or full size. */
export const arbCodedSymbolsRequest = (): fc.Arbitrary<CodedSymbolsRequest> =>
  fc
    .record({
      fingerprint: arbId(),
      start: fc.bigInt({ min: 0n, max: 2n ** 31n }),
      count: fc.nat(MAX_CODED_SYMBOLS_PER_MESSAGE),
      probes: fc.oneof(
        fc.constant(new Uint8Array(0)),
        fc.uint8Array({ minLength: RIBLT_PROBE_BYTES, maxLength: RIBLT_PROBE_BYTES }),
      ),
    })
    .map((v) => create(CodedSymbolsRequestSchema, v));

/** Valid coded symbols: n counts, n x 24 sum bytes, n seq sums, a 16-byte fingerprint. */
export const arbCodedSymbols = (): fc.Arbitrary<CodedSymbols> =>
  fc
    .record({
      start: fc.bigInt({ min: 0n, max: 2n ** 31n }),
      n: fc.nat(6),
      fingerprint: arbId(),
    })
    .chain(({ start, n, fingerprint }) =>
      fc
        .record({
          counts: fc.array(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), {
            minLength: n,
            maxLength: n,
          }),
          sums: fc.uint8Array({ minLength: 24 * n, maxLength: 24 * n }),
          seqSums: fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), {
            minLength: n,
            maxLength: n,
          }),
        })
        .map((v) => create(CodedSymbolsSchema, { start, fingerprint, ...v })),
    );
