import { describe, expect, it } from "vitest";
import { looksVariable, sameValueShape } from "./value-shape.js";

describe("value shapes", () => {
  it("treats digits and placeholders as values, words as words", () => {
    expect(looksVariable("dn228")).toBe(true);
    expect(looksVariable("host:<num>")).toBe(true);
    expect(looksVariable("<>")).toBe(false);
    expect(looksVariable("ready")).toBe(false);
  });

  it("matches values of one shape only", () => {
    expect(sameValueShape("<num>", "<hex>")).toBe(true);
    expect(sameValueShape("core.<num>", "core.17")).toBe(true);
    expect(sameValueShape("dn228", "bn364")).toBe(true);
    expect(sameValueShape("index:<num>", "ready=<num>,mode=<num>")).toBe(false);
    expect(sameValueShape("<num>", "core.<num>")).toBe(false);
    expect(sameValueShape("started", "stopped")).toBe(false);
  });
});
