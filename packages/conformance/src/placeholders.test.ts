import { describe, expect, it } from "vitest";
import { type Bindings, resolve, resolveString } from "./placeholders.js";

const b = (bound: Record<string, string>): Bindings => ({
  library: new Uint8Array(16),
  me: new Uint8Array(16).fill(1),
  me2: new Uint8Array(16).fill(2),
  meKey: new Uint8Array(32),
  me2Key: new Uint8Array(32),
  peer: undefined,
  nowMs: 1_000,
  bound: new Map(Object.entries(bound)),
});

describe("placeholders", () => {
  it("adds a constant to a bound number", () => {
    expect(resolveString("@bound:max+1", b({ max: "16" }))).toBe("17");
    expect(resolveString("@bound:max-16", b({ max: "16" }))).toBe("0");
    expect(resolveString("@bound:max", b({ max: "16" }))).toBe("16");
    expect(resolveString("@bound:max*3+5000", b({ max: "16" }))).toBe("5048");
    expect(() => resolveString("@bound:max-17", b({ max: "16" }))).toThrow(/below zero/);
    expect(() => resolveString("@bound:max+1", b({ max: "x" }))).toThrow(/not a number/);
  });

  it("repeats as many times as a bound says, counting {n} from start", () => {
    const list = resolve(
      { $repeat: "@bound:max+1", start: 2, item: { seq: "{n}" } },
      b({ max: "2" }),
    );
    expect(list).toEqual([{ seq: "2" }, { seq: "3" }, { seq: "4" }]);
  });

  it("spells an HLC counter", () => {
    expect(resolveString("@hlc:now+1,65535", b({}))).toBe(((1001n << 16n) | 65535n).toString());
    expect(() => resolveString("@hlc:now,65536", b({}))).toThrow(/bad HLC/);
    const later = { ...b({}), nowMs: 3 * 86_400_000 };
    expect(resolveString("@hlc:now-2d+3", later)).toBe(
      (((86_400_000n + 3n) << 16n) | 1n).toString(),
    );
  });
});
