// What a side sends about a range of its own items [i, j): the whole list
// when small, else `branching` fingerprints of equal-count sub-ranges with
// the shortest bounds that separate them.
import { create } from "@bufbuild/protobuf";
import {
  type ItemList,
  ItemListSchema,
  type ReconcileRange,
  ReconcileRangeSchema,
} from "@tidemark/protocol";
import { compactBound, EMPTY_BOUND, ID_BYTES } from "./bounds.js";
import type { ReconcileSet } from "./item-set.js";
import type { ReconcileConfig } from "./options.js";

/** Ranges describing own items [i, j) up to `upper` (EMPTY_BOUND = end). */
export function splitRange(
  set: ReconcileSet,
  i: number,
  j: number,
  upper: Uint8Array,
  config: ReconcileConfig,
): ReconcileRange[] {
  const count = j - i;
  if (count <= config.listThreshold) return [itemsRange(upper, fullList(set, i, j))];
  const parts = Math.min(config.branching, count);
  const per = Math.floor(count / parts);
  const extra = count % parts;
  const out: ReconcileRange[] = [];
  let a = i;
  for (let p = 0; p < parts; p++) {
    const b = a + per + (p < extra ? 1 : 0);
    const bound = b === j ? upper : compactBound(set.ids, (b - 1) * ID_BYTES, b * ID_BYTES);
    out.push(
      create(ReconcileRangeSchema, {
        upperBound: bound,
        payload: { case: "fingerprint", value: set.fingerprint(a, b) },
      }),
    );
    a = b;
  }
  return out;
}

/** All own items [i, j) as an ItemList. */
export function fullList(set: ReconcileSet, i: number, j: number): ItemList {
  return create(ItemListSchema, {
    ids: set.ids.slice(i * ID_BYTES, j * ID_BYTES),
    seqs: set.seqs.slice(i, j),
  });
}

export function itemsRange(upper: Uint8Array, list: ItemList): ReconcileRange {
  return create(ReconcileRangeSchema, {
    upperBound: upper,
    payload: { case: "items", value: list },
  });
}

export function fingerprintRange(upper: Uint8Array, fingerprint: Uint8Array): ReconcileRange {
  return create(ReconcileRangeSchema, {
    upperBound: upper,
    payload: { case: "fingerprint", value: fingerprint },
  });
}

export { EMPTY_BOUND };
