import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { isEngineError } from "../errors.js";
import { compactBound, compareBounds } from "./bounds.js";
import { ReconcileSet, reconcileSetOf } from "./item-set.js";
import { rangeFingerprint } from "./range-fingerprint.js";
import { hex, makeDiffCase } from "./test-sets.js";

describe("ReconcileSet", () => {
  test.prop([fc.integer({ min: 0, max: 300 }), fc.integer(), fc.nat(), fc.nat()], { numRuns: 60 })(
    "prefix-sum fingerprint(i, j) equals rangeFingerprint of the items in [i, j)",
    (n, seed, x, y) => {
      const { a } = makeDiffCase({ common: n, onlyA: 0, onlyB: 0, newerA: 0, newerB: 0 }, seed);
      const set = new ReconcileSet(a);
      const i = n === 0 ? 0 : Math.min(x % (n + 1), y % (n + 1));
      const j = n === 0 ? 0 : Math.max(x % (n + 1), y % (n + 1));
      expect(hex(set.fingerprint(i, j))).toBe(hex(rangeFingerprint(a.slice(i, j))));
    },
  );

  it("indexes an items array once and a new array afresh (reconcileSetOf)", () => {
    const { a } = makeDiffCase({ common: 20, onlyA: 0, onlyB: 0, newerA: 0, newerB: 0 }, 5);
    const set = reconcileSetOf(a);
    expect(reconcileSetOf(a)).toBe(set);
    const fresh = reconcileSetOf([...a]);
    expect(fresh).not.toBe(set);
    expect(hex(fresh.fingerprint(0, fresh.size))).toBe(hex(set.fingerprint(0, set.size)));
  });

  it("fingerprints the empty range as 16 zero bytes", () => {
    expect(hex(new ReconcileSet([]).fingerprint(0, 0))).toBe("00".repeat(16));
  });

  it("rejects unsorted, duplicate and malformed items with Invalid", () => {
    const id = (b: number) => new Uint8Array(16).fill(b);
    const bad = [
      [
        { id: id(2), seq: 1n },
        { id: id(1), seq: 1n },
      ],
      [
        { id: id(1), seq: 1n },
        { id: id(1), seq: 2n },
      ],
      [{ id: new Uint8Array(15), seq: 1n }],
      [{ id: id(1), seq: -1n }],
      [{ id: id(1), seq: 1n << 64n }],
    ];
    for (const items of bad) {
      let caught: unknown;
      try {
        new ReconcileSet(items);
      } catch (e) {
        caught = e;
      }
      expect(isEngineError(caught) && caught.code).toBe("invalid");
    }
  });

  test.prop([fc.integer({ min: 1, max: 200 }), fc.integer()], { numRuns: 40 })(
    "lowerBound finds the first id at or above a bound",
    (n, seed) => {
      const { a } = makeDiffCase({ common: n, onlyA: 0, onlyB: 0, newerA: 0, newerB: 0 }, seed);
      const set = new ReconcileSet(a);
      for (let k = 0; k < n; k++) {
        expect(set.lowerBound(a[k]?.id as Uint8Array, 0)).toBe(k);
        expect(set.indexOf(a[k]?.id as Uint8Array, 0, n)).toBe(k);
      }
      expect(set.lowerBound(new Uint8Array(0), 0)).toBe(0);
      expect(set.lowerBound(new Uint8Array(16).fill(0xff), 0)).toBe(
        hex(a[n - 1]?.id as Uint8Array) === "ff".repeat(16) ? n - 1 : n,
      );
    },
  );
});

describe("compactBound", () => {
  test.prop([
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
  ])("is the shortest prefix b of next with prev < b <= next", (x, y) => {
    const c = compareBounds(x, y);
    fc.pre(c !== 0);
    const [prev, next] = c < 0 ? [x, y] : [y, x];
    const flat = new Uint8Array(32);
    flat.set(prev, 0);
    flat.set(next, 16);
    const b = compactBound(flat, 0, 16);
    expect(compareBounds(prev, b)).toBeLessThan(0);
    expect(compareBounds(b, next)).toBeLessThanOrEqual(0);
    const shorter = b.subarray(0, b.length - 1);
    expect(compareBounds(prev, shorter) < 0 && compareBounds(shorter, next) <= 0).toBe(false);
  });

  it("needs all 16 bytes for ids differing in the last byte", () => {
    const flat = new Uint8Array(32);
    flat[15] = 1;
    flat[31] = 2;
    expect(hex(compactBound(flat, 0, 16))).toBe(`${"00".repeat(15)}02`);
  });
});
