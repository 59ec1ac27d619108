import { describe, expect, it } from "vitest";
import { isLogAnalyzerError } from "../errors.js";
import { DEFAULT_DRAIN_OPTIONS } from "./drain-tree.js";
import { checkMinerConfig } from "./miner-config.js";
import { TemplateMiner } from "./template-miner.js";

function error(raw: unknown): string {
  try {
    checkMinerConfig(raw);
  } catch (e) {
    if (isLogAnalyzerError(e)) return `${e.code}: ${e.message}`;
  }
  return "accepted";
}

describe("checkMinerConfig", () => {
  it("accepts the defaults", () => {
    expect(checkMinerConfig({ ...DEFAULT_DRAIN_OPTIONS })).toEqual(DEFAULT_DRAIN_OPTIONS);
  });

  it("config-values-not-validated: rejects wrong types, ranges and misspelled keys", () => {
    expect(error({ similarity: "high" })).toBe(
      'invalid_config: miner.similarity must be a number from 0 to 1, got "high"',
    );
    expect(error({ similarity: 1.5 })).toContain("from 0 to 1");
    expect(error({ prefixDepth: 2.5 })).toContain("must be an integer");
    expect(error({ matchValues: "yes" })).toBe(
      'invalid_config: miner.matchValues must be true or false, got "yes"',
    );
    expect(error({ simlarity: 0.5 })).toBe(
      'invalid_config: miner.simlarity unknown key (did you mean "similarity"?)',
    );
    expect(error([])).toBe("invalid_config: miner must be an object, got a list");
  });

  it("checks settings handed to the miner from code too", () => {
    const bad = { similarity: "high" } as unknown as { similarity: number };
    expect(() => new TemplateMiner(bad)).toThrow("miner.similarity must be a number");
    expect(() => new TemplateMiner({ masks: [], stats: false })).not.toThrow();
  });
});
