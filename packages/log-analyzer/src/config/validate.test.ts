import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isLogAnalyzerError, LogErrorCode } from "../errors.js";
import { DEFAULT_MINER_CONFIG } from "../mining/template-miner.js";
import { suggest } from "./fields.js";
import { MINER_FIELDS } from "./schema.js";
import { validateConfig } from "./validate.js";

function problemsOf(raw: unknown): string {
  try {
    validateConfig(raw, "test.json");
  } catch (err) {
    expect(isLogAnalyzerError(err) && err.code === LogErrorCode.InvalidConfig).toBe(true);
    return (err as Error).message;
  }
  return "";
}

describe("config validation", () => {
  it('config values not validated: "similarity":"high" is refused, not every line its own template', () => {
    const m = problemsOf({ miner: { similarity: "high" } });
    expect(m).toContain('miner.similarity must be a number from 0 to 1, got "high"');
    expect(problemsOf({ miner: { similarity: 7 } })).toContain("from 0 to 1, got 7");
    expect(problemsOf({ miner: { maxChildren: 2.5 } })).toContain("must be an integer");
  });

  it("misspelled keys are refused with the key they were meant to be", () => {
    expect(problemsOf({ miner: { simlarity: 0.5 } })).toContain(
      'miner.simlarity unknown key (did you mean "similarity"?)',
    );
    expect(problemsOf({ mask: [] })).toContain('mask unknown key (did you mean "masks"?)');
    expect(problemsOf({ zzz: 1 })).toContain("known keys: miner, masks, format");
  });

  it("reports every problem at once, with its path, including masks that do not compile", () => {
    const m = problemsOf({
      miner: { routeLast: "yes", prefixDepth: -1 },
      masks: [{ name: "ok", regex: "\\d+" }, { name: "bad", regex: "(" }, { name: 3 }],
      format: 42,
    });
    expect(m).toContain("miner.routeLast must be true or false");
    expect(m).toContain("miner.prefixDepth must be an integer from 0 to 16");
    expect(m).toContain("masks[2].name must be a string");
    expect(m).toContain("masks[2].regex is required");
    expect(m).toContain("format must be a string");
    expect(problemsOf({ masks: [{ name: "bad", regex: "(" }] })).toContain(
      "masks[0] bad mask regex",
    );
    expect(problemsOf({ format: "<Date> only" })).toContain("format log format needs a <Content>");
    expect(problemsOf([])).toContain("must be an object, got a list");
  });

  it("accepts the shipped configuration and comments", () => {
    const bench = JSON.parse(
      readFileSync(join(import.meta.dirname, "../../bench/loghub.json"), "utf8"),
    ) as { miner: unknown; datasets: Record<string, { format?: string; masks: unknown }> };
    for (const { format, masks } of Object.values(bench.datasets)) {
      const cfg = { $comment: "x", miner: bench.miner, masks, ...(format ? { format } : {}) };
      expect(problemsOf(cfg)).toBe("");
    }
  });

  it("declares every miner option (a new option cannot be left unvalidated)", () => {
    const { masks: _masks, ...options } = DEFAULT_MINER_CONFIG;
    expect(Object.keys(MINER_FIELDS).sort()).toEqual(Object.keys(options).sort());
  });

  it("suggests only near misses", () => {
    expect(suggest("formt", ["miner", "masks", "format"])).toBe("format");
    expect(suggest("colour", ["miner", "masks", "format"])).toBeUndefined();
  });
});
