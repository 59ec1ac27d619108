import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { itemHash } from "../fingerprint/index.js";
import { itemHashLimbs } from "./item-hash.js";
import { hex } from "./test-sets.js";

test.prop(
  [fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })],
  { numRuns: 500 },
)("the one-block limb version equals fingerprint/itemHash", (id, seq) => {
  const padded = new Uint8Array(20);
  padded.set(id, 4);
  const out = new Uint32Array(6);
  itemHashLimbs(padded, 4, Number(seq >> 32n), Number(seq & 0xffff_ffffn), out, 1);
  const fromLimbs = [4, 3, 2, 1]
    .map((l) => (out[l] as number).toString(16).padStart(8, "0"))
    .join("");
  expect(fromLimbs).toBe(hex(itemHash(id, seq)));
});
