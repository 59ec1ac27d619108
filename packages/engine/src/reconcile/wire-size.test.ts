import { create, toBinary } from "@bufbuild/protobuf";
import { fc, test } from "@fast-check/vitest";
import {
  ItemListSchema,
  ReconcileRangeSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { expect } from "vitest";
import { encodedRangeSize } from "./wire-size.js";

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
