// Expectations match a subset of the response: null is "absent", "$any"
// is "present", arrays match by length or with $contains/$lacks.
import { describe, expect, it } from "vitest";
import { match } from "./match.js";
import { resolve } from "./placeholders.js";

describe("match", () => {
  it("compares given keys only, uint64 strings with numbers, null as absent", () => {
    expect(match({ a: "2", b: null }, { a: 2, c: 1 })).toEqual([]);
    expect(match({ b: null }, { b: "1" })).toHaveLength(1);
    expect(match({ a: "$any" }, {})).toHaveLength(1);
  });

  it("matches arrays by length, or by $contains / $lacks", () => {
    expect(match([{ a: 1 }], [{ a: 1 }, { a: 2 }])[0]?.path).toBe("$.length");
    expect(match({ $contains: [{ a: 2 }] }, [{ a: 1 }, { a: 2 }])).toEqual([]);
    expect(match({ $lacks: { a: 2 } }, [{ a: 1 }, { a: 2 }])).toHaveLength(1);
  });
});

describe("placeholders", () => {
  const b = {
    library: new Uint8Array(16).fill(1),
    me: new Uint8Array(16).fill(2),
    me2: new Uint8Array(16).fill(3),
    meKey: new Uint8Array(32).fill(5),
    me2Key: new Uint8Array(32).fill(6),
    peer: new Uint8Array(16).fill(4),
    nowMs: 1_000,
  };
  const bytes = (v: unknown) => Buffer.from(String(v), "base64").toString("hex");

  it("spells ids, rows, raw bytes, HLCs and long strings", () => {
    expect(bytes(resolve("@x:ab", b))).toBe("ab".repeat(16));
    expect(bytes(resolve("@key:me2", b))).toBe("06".repeat(32));
    expect(bytes(resolve("@id:10", b))).toBe(`10${"00".repeat(15)}`);
    expect(bytes(resolve("@row:07", b))).toBe(`07${"02".repeat(15)}`);
    expect(bytes(resolve("@bin:0a10 {lib}", b))).toBe(`0a10${"01".repeat(16)}`);
    expect(resolve("@hlc:now+1", b)).toBe(((1_001n << 16n) | 1n).toString());
    expect(resolve("@str:a*3", b)).toBe("aaa");
    expect(resolve({ k: ["@peer"] }, b)).toEqual({ k: [Buffer.from(b.peer).toString("base64")] });
  });
});
