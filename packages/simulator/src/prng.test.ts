import { describe, expect, test } from "vitest";
import { Prng } from "./prng.js";

describe("Prng", () => {
  test("the same seed gives the same sequence", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    for (let i = 0; i < 1000; i++) expect(a.nextU32()).toBe(b.nextU32());
  });

  test("close seeds diverge immediately", () => {
    expect(new Prng(1).nextU32()).not.toBe(new Prng(2).nextU32());
  });

  test("next() stays in [0, 1) and int(n) in [0, n)", () => {
    const r = new Prng(7);
    for (let i = 0; i < 2_000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      const k = r.int(5);
      expect(k >= 0 && k < 5 && Number.isInteger(k)).toBe(true);
    }
  });

  test("forks are named: a fork's stream does not depend on draws from the parent", () => {
    const a = new Prng(9);
    const b = new Prng(9);
    b.nextU32();
    b.nextU32();
    expect(a.fork("net").nextU32()).toBe(b.fork("net").nextU32());
    expect(a.fork("net").nextU32()).not.toBe(a.fork("node:0").nextU32());
  });

  test("int(n) is roughly uniform", () => {
    const r = new Prng(3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) {
      const k = r.int(4);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
  });
});
