// The initiator's side of PROTOCOL.md §7.9.4, from the text: difference
// symbols, peeling pure ones, and the RC-26 check of what decoded. The
// simulator uses it to know when a peer already holds enough symbols.
import { fingerprintOf } from "@tidemark/engine";
import {
  checksumAndSeed,
  type SpecItem,
  type SpecSymbol,
  specIndices,
  specSymbols,
  toggle,
} from "./coded-symbols.js";

/** A decoded difference: items only the responder holds, and only the initiator. */
export type SpecDifference = { readonly theirs: SpecItem[]; readonly ours: SpecItem[] };

const keyOf = (x: SpecItem) => `${Buffer.from(x.id).toString("hex")}:${x.seq}`;
const isZero = (s: SpecSymbol) =>
  s.count === 0 && s.checksum === 0n && s.seq === 0n && s.ids.every((b) => b === 0);

/** Their symbols 0 … n−1 minus ours over `own` (§7.9.4). */
function difference(theirs: readonly SpecSymbol[], own: readonly SpecItem[]): SpecSymbol[] {
  const mine = specSymbols(own, 0, theirs.length);
  return theirs.map((t, i) => {
    const m = mine[i] as SpecSymbol;
    return {
      count: t.count - m.count,
      ids: t.ids.map((b, k) => b ^ (m.ids[k] as number)),
      checksum: t.checksum ^ m.checksum,
      seq: t.seq ^ m.seq,
    };
  });
}

/** The item a count ±1 symbol holds when it is pure (its item hashes to its checksum). */
function pureItem(s: SpecSymbol): SpecItem | undefined {
  if (s.count !== 1 && s.count !== -1) return undefined;
  const item = { id: new Uint8Array(s.ids), seq: s.seq };
  return checksumAndSeed(item).checksum === s.checksum ? item : undefined;
}

/**
 * Peels `theirs` (symbols 0 … n−1 of the responder) against `own` and checks
 * the result (RC-26) against the responder's fingerprint `fp`: the
 * difference, or undefined when these symbols do not decode it.
 */
export function specDecode(
  theirs: readonly SpecSymbol[],
  own: readonly SpecItem[],
  fp: Uint8Array,
): SpecDifference | undefined {
  const diff = difference(theirs, own);
  const found: SpecDifference = { theirs: [], ours: [] };
  for (let progress = true; progress; ) {
    progress = false;
    for (const s of diff) {
      const item = pureItem(s);
      if (item === undefined) continue;
      const sign = s.count as 1 | -1;
      (sign === 1 ? found.theirs : found.ours).push(item);
      const { checksum, seed } = checksumAndSeed(item);
      for (const i of specIndices(seed, diff.length))
        toggle(diff[i] as SpecSymbol, item, checksum, sign === 1 ? -1 : 1);
      progress = true;
    }
  }
  if (!diff.every(isZero)) return undefined;
  const held = new Set(own.map(keyOf));
  if (found.ours.some((x) => !held.has(keyOf(x)))) return undefined;
  if (found.theirs.some((x) => held.has(keyOf(x)))) return undefined;
  const gone = new Set(found.ours.map(keyOf));
  const after = [...own.filter((x) => !gone.has(keyOf(x))), ...found.theirs];
  return Buffer.from(fingerprintOf(after)).equals(Buffer.from(fp)) ? found : undefined;
}
