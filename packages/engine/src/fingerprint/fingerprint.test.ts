import { createHash } from "node:crypto";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { addInto, FINGERPRINT_BYTES, fingerprintOf, itemHash, sha256, subInto } from "./index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const nodeSha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const ID_0_15 = Uint8Array.from({ length: 16 }, (_, i) => i);

describe("sha256", () => {
  it("matches the FIPS 180-4 vectors", () => {
    expect(hex(sha256(new Uint8Array(0)))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(hex(sha256(new TextEncoder().encode("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("matches node:crypto at every length around the block boundaries", () => {
    for (let len = 0; len <= 200; len++) {
      const data = Uint8Array.from({ length: len }, (_, i) => (i * 31 + len) & 0xff);
      expect(hex(sha256(data))).toBe(nodeSha(data));
    }
  });

  test.prop([fc.uint8Array({ maxLength: 4096 })], { numRuns: 200 })(
    "matches node:crypto on random input",
    (data) => {
      expect(hex(sha256(data))).toBe(nodeSha(data));
    },
  );
});

describe("itemHash", () => {
  it("pins the protocol's test vectors", () => {
    expect(hex(itemHash(ID_0_15, 1n))).toBe("112ac280cda01f4cd59e4150e2be4230");
    expect(hex(itemHash(ID_0_15, 2n))).toBe("8e87288ec670948426d95202777216b2");
    expect(hex(itemHash(new Uint8Array(16), 0n))).toBe("9d908ecfb6b256def8b49a7c504e6c88");
    expect(hex(itemHash(new Uint8Array(16).fill(0xff), 0xffff_ffff_ffff_ffffn))).toBe(
      "44a5f7891570e5631e8c91c85186e663",
    );
  });

  test.prop(
    [fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })],
    {
      numRuns: 200,
    },
  )("is the first 16 bytes of SHA-256(id || seq BE)", (id, seq) => {
    const seqBytes = Buffer.alloc(8);
    seqBytes.writeBigUInt64BE(seq);
    const expected = nodeSha(Buffer.concat([id, seqBytes])).slice(0, 32);
    expect(hex(itemHash(id, seq))).toBe(expected);
  });

  it("rejects bad ids and seqs", () => {
    expect(() => itemHash(new Uint8Array(15), 1n)).toThrow(RangeError);
    expect(() => itemHash(ID_0_15, -1n)).toThrow(RangeError);
    expect(() => itemHash(ID_0_15, 2n ** 64n)).toThrow(RangeError);
  });
});

describe("fingerprint arithmetic", () => {
  it("empty stream is 16 zero bytes", () => {
    expect(fingerprintOf([])).toEqual(new Uint8Array(FINGERPRINT_BYTES));
  });

  it("pins the sum of two items", () => {
    const fp = fingerprintOf([
      { id: ID_0_15, seq: 1n },
      { id: ID_0_15, seq: 2n },
    ]);
    expect(hex(fp)).toBe("9fb1eb0f9410b3d0fc7793535a3058e2");
  });

  it("wraps mod 2^128", () => {
    const acc = new Uint8Array(16).fill(0xff);
    const one = new Uint8Array(16);
    one[15] = 1;
    addInto(acc, one);
    expect(acc).toEqual(new Uint8Array(16));
    subInto(acc, one);
    expect(acc).toEqual(new Uint8Array(16).fill(0xff));
  });

  const item = fc.record({
    id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  });
  test.prop([fc.array(item, { maxLength: 30 }), fc.integer()], { numRuns: 100 })(
    "is order-independent, equals the bigint sum, and sub undoes add",
    (items, shift) => {
      const fp = fingerprintOf(items);
      const rotated = items.length
        ? [...items.slice(shift % items.length), ...items.slice(0, shift % items.length)]
        : [];
      expect(fingerprintOf(rotated.reverse())).toEqual(fp);
      let sum = 0n;
      for (const { id, seq } of items) sum += BigInt(`0x${hex(itemHash(id, seq))}`);
      expect(hex(fp)).toBe((sum % 2n ** 128n).toString(16).padStart(32, "0"));
      const acc = fp.slice();
      for (const { id, seq } of items) subInto(acc, itemHash(id, seq));
      expect(acc).toEqual(new Uint8Array(16));
    },
  );
});
