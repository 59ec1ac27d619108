import { create, toBinary } from "@bufbuild/protobuf";
import { fc, test } from "@fast-check/vitest";
import {
  ItemListSchema,
  ReconcileRangeSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { expect, test as plain } from "vitest";
import { encodedRangeSize, varintSize } from "./wire-size.js";

const arbRange = fc.record({
  bound: fc.uint8Array({ maxLength: 16 }),
  kind: fc.constantFrom("fingerprint", "skip", "items"),
  n: fc.integer({ min: 0, max: 200 }),
  needed: fc.integer({ min: 0, max: 200 }),
  seqs: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 200 }),
});

test.prop([fc.array(arbRange, { maxLength: 8 })], { numRuns: 200 })(
  "encodedRangeSize equals the toBinary size of the ranges field, both directions",
  (specs) => {
    const ranges = specs.map((s) =>
      create(ReconcileRangeSchema, {
        upperBound: s.bound,
        payload:
          s.kind === "fingerprint"
            ? { case: "fingerprint", value: new Uint8Array(16).fill(7) }
            : s.kind === "skip"
              ? { case: "skip", value: true }
              : {
                  case: "items",
                  value: create(ItemListSchema, {
                    ids: new Uint8Array(16 * s.seqs.length),
                    seqs: s.seqs,
                    neededIds: new Uint8Array(16 * s.needed),
                  }),
                },
      }),
    );
    const expected = ranges.reduce((sum, r) => sum + encodedRangeSize(r), 0);
    expect(
      toBinary(ReconcileRequestSchema, create(ReconcileRequestSchema, { ranges })).length,
    ).toBe(expected);
    expect(
      toBinary(ReconcileResponseSchema, create(ReconcileResponseSchema, { ranges })).length,
    ).toBe(expected);
  },
);

test.prop([fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })], { numRuns: 500 })(
  "varintSize matches the encoded length of a uint64",
  (n) => {
    let expected = 1;
    for (let v = n; v >= 128n; v >>= 7n) expected++;
    expect(varintSize(n)).toBe(expected);
    if (n <= BigInt(Number.MAX_SAFE_INTEGER)) expect(varintSize(Number(n))).toBe(expected);
  },
);

plain("varintSize at every 7-bit boundary", () => {
  for (let k = 1; k <= 9; k++) {
    const edge = 1n << BigInt(7 * k);
    expect(varintSize(edge - 1n)).toBe(k);
    expect(varintSize(edge)).toBe(k + 1);
    if (edge <= BigInt(Number.MAX_SAFE_INTEGER)) {
      expect(varintSize(Number(edge) - 1)).toBe(k);
      expect(varintSize(Number(edge))).toBe(k + 1);
    }
  }
  expect(varintSize((1n << 64n) - 1n)).toBe(10);
});
