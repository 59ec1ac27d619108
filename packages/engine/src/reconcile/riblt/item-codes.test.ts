// The per-set cache of coded symbols must serve exactly the symbols of a
// walk from index 0 (PROTOCOL.md §7.9.2), in any order of windows, and the
// cached whole-set probe must equal the sum of its parts.
import { describe, expect, it } from "vitest";
import { ReconcileSet } from "../item-set.js";
import { compareIds, randomId, seededRandom } from "../test-sets.js";
import { PROBE_SLICES, probesOf } from "./estimator.js";
import { encodeSymbols, itemCodes } from "./item-codes.js";
import { itemWords, SYMBOL_WORDS, type Symbols } from "./symbols.js";

function randomSet(n: number, seed: number): ReconcileSet {
  const rnd = seededRandom(seed);
  const items = Array.from({ length: n }, () => ({
    id: randomId(rnd),
    // Seqs past 2^53 too: the seq halves must not round.
    seq: BigInt(rnd()) * 0x1_0000_0000n + BigInt(rnd()),
  }));
  items.sort((x, y) => compareIds(x.id, y.id));
  return new ReconcileSet(items);
}

const plain = (s: Symbols) => ({
  start: s.start,
  counts: Array.from(s.counts),
  words: Array.from(s.words),
});

describe("coded symbols cached per item set", () => {
  it("serves whole-set windows equal to a walk from index 0, in any order", () => {
    const set = randomSet(500, 11);
    const codes = itemCodes(set);
    const windows: [number, number][] = [
      [0, 7],
      [40, 90],
      [7, 40],
      [0, 300],
      [250, 501],
      [501, 1500],
      [900, 1600],
      [3000, 3010],
    ];
    for (const [start, end] of windows)
      expect(plain(encodeSymbols(set, 0, set.size, start, end))).toEqual(
        plain(codes.walk(0, set.size, start, end)),
      );
    // A sub-range is walked, never read from the whole-set table.
    expect(plain(encodeSymbols(set, 100, 400, 5, 60))).toEqual(plain(codes.walk(100, 400, 5, 60)));
  });

  it("caches the same item words and seeds as the §7.9.1 item encoding", () => {
    const set = randomSet(50, 12);
    const codes = itemCodes(set);
    const words = new Uint32Array(SYMBOL_WORDS);
    for (let k = 0; k < set.size; k++) {
      const [hi, lo] = itemWords(set, k, words);
      expect(Array.from(codes.words.subarray(k * SYMBOL_WORDS, (k + 1) * SYMBOL_WORDS))).toEqual(
        Array.from(words),
      );
      expect([codes.seeds[2 * k], codes.seeds[2 * k + 1]]).toEqual([hi, lo]);
    }
  });

  it("returns the cached whole-set probe equal to its parts' sum, as a copy", () => {
    const set = randomSet(2000, 13);
    const whole = probesOf(set, 0, set.size);
    whole.fill(0);
    const again = probesOf(set, 0, set.size);
    const left = probesOf(set, 0, 700);
    const right = probesOf(set, 700, set.size);
    const sum = Array.from(
      { length: PROBE_SLICES },
      (_, s) => ((left[s] as number) + (right[s] as number)) & 0xff,
    );
    expect(Array.from(again)).toEqual(sum);
    expect(sum.some((x) => x !== 0)).toBe(true);
  });
});
