import { describe, expect, test } from "vitest";
import { fromHex, toHex, uuidv7 } from "./ids.js";

describe("uuidv7", () => {
  test("has version 7 and the RFC 9562 variant", () => {
    const id = uuidv7();
    expect(id.length).toBe(16);
    expect((id[6] ?? 0) >> 4).toBe(7);
    expect((id[8] ?? 0) >> 6).toBe(2);
  });

  test("ids made in the same millisecond are strictly increasing", () => {
    const ids = Array.from({ length: 5000 }, () => toHex(uuidv7(1_700_000_000_000)));
    const sorted = [...ids].sort();
    expect(ids).toEqual(sorted);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("encodes the millisecond timestamp in the first 48 bits", () => {
    const id = uuidv7(2_000_000_000_000);
    const ms = Number(BigInt(`0x${toHex(id).slice(0, 12)}`));
    expect(ms).toBeGreaterThanOrEqual(2_000_000_000_000);
  });
});

describe("hex ids", () => {
  test("round-trip, accepting UUID dashes", () => {
    const id = uuidv7();
    const hex = toHex(id);
    expect(toHex(fromHex(hex))).toBe(hex);
    const dashed = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    expect(toHex(fromHex(dashed))).toBe(hex);
  });

  test("reject anything that is not 16 bytes of hex with a typed error", () => {
    expect(() => fromHex("abc")).toThrow(/32 hex digits/);
    expect(() => fromHex("zz".repeat(16))).toThrow(/32 hex digits/);
  });
});
