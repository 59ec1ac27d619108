import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { compileMaskRules } from "./mask-rules.js";
import { joinTokens, tokenize } from "./tokenize.js";

const table = () => ({ values: [] as string[], names: [] as string[] });
const text = fc.string({
  unit: fc.constantFrom("a", "1", " ", "\t", ".", "/", ":", "=", "é", "<", ">", "x"),
});

describe("tokenize", () => {
  test.prop([text], { numRuns: 300 })("rebuilds the exact text from raws and separators", (s) => {
    const t = tokenize(s, null, table());
    expect(joinTokens(t.raws, t.seps)).toBe(s);
  });

  test.prop([text], { numRuns: 200 })(
    "rebuilds the exact text with config masks spanning spaces",
    (s) => {
      const rules = compileMaskRules([{ name: "pair", regex: "\\d \\d" }]);
      const t = tokenize(s, rules, table());
      expect(joinTokens(t.raws, t.seps)).toBe(s);
    },
  );

  test.prop([text], { numRuns: 300 })(
    "rebuilds the exact text after collapsing placeholder runs",
    (s) => {
      const t = tokenize(s, null, table(), true);
      expect(joinTokens(t.raws, t.seps)).toBe(s);
    },
  );

  it("collapses a variable-length list into one token holding the whole list", () => {
    const t = tokenize("delete 1 22  333 done", null, table(), true);
    expect(t.tokens).toEqual(["delete", "<num>", "done"]);
    expect(t.params[1]).toEqual(["1 22  333"]);
    expect(joinTokens(t.raws, t.seps)).toBe("delete 1 22  333 done");
  });

  it("reports canonical spacing as null separators", () => {
    expect(tokenize("a b c", null, table()).seps).toBeNull();
    expect(tokenize(" a  b\t", null, table()).seps).toEqual([" ", "  ", "\t"]);
    expect(tokenize("   ", null, table()).seps).toEqual(["   "]);
  });

  it("turns a config match into one placeholder token holding the whole match", () => {
    const rules = compileMaskRules([{ name: "size", regex: "\\d+ bytes" }]);
    const t = tokenize("sent 451 bytes ok", rules, table());
    expect(t.tokens).toEqual(["sent", "<size>", "ok"]);
    expect(t.params[1]).toEqual(["451 bytes"]);
  });
});
