// Pins the grouping accuracy on the labelled loghub-2k sets at or above
// Drain's published figures, with the one general miner configuration.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DatasetConfig, measureAccuracy, normaliseTemplate } from "../bench/accuracy.js";
import { DEFAULT_DRAIN_OPTIONS } from "../src/index.js";
import { LOGHUB_2K_DIR } from "./data/index.js";

const DATA = LOGHUB_2K_DIR;
const config = JSON.parse(
  readFileSync(join(import.meta.dirname, "../bench/loghub.json"), "utf8"),
) as {
  miner: Record<string, unknown>;
  datasets: Record<string, DatasetConfig>;
};
const DRAIN_GA: [string, number][] = [
  ["HDFS", 0.998],
  ["Zookeeper", 0.967],
  ["OpenSSH", 0.789],
  ["Proxifier", 0.526],
];

describe("accuracy on loghub-2k (corrected labels)", { timeout: 60_000 }, () => {
  it("uses the library's default configuration, not a tuned one", () => {
    expect(config.miner).toEqual({ ...DEFAULT_DRAIN_OPTIONS });
  });

  it.each(DRAIN_GA)("matches or beats Drain's grouping accuracy on %s (%f)", (name, drain) => {
    const ds = config.datasets[name] as DatasetConfig;
    const r = measureAccuracy(DATA, name, ds, config.miner);
    expect(r.lines).toBe(2000);
    expect(r.ga).toBeGreaterThanOrEqual(drain);
  });

  it("normalises every placeholder name to <*> for parsing accuracy", () => {
    expect(normaliseTemplate("uid=<num>  from <ip>:<*>")).toBe("uid=<*> from <*>:<*>");
  });
});
