// Pins the grouping accuracy on the labelled loghub-2k sets shipped for the
// bench: with the one general miner configuration and the declared
// per-dataset config, at or above Drain's figure on every set; with no
// per-dataset masks at all, at or above Drain's on average.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type DatasetConfig,
  type LoghubConfig,
  listDatasets,
  measureAccuracy,
  normaliseTemplate,
} from "../bench/accuracy.js";
import { DEFAULT_DRAIN_OPTIONS } from "../src/index.js";
import { LOGHUB_2K_DIR } from "./data/index.js";

const DATA = LOGHUB_2K_DIR;
const config = JSON.parse(
  readFileSync(join(import.meta.dirname, "../bench/loghub.json"), "utf8"),
) as LoghubConfig;
const names = listDatasets(DATA);
const declared = (name: string): DatasetConfig => config.datasets[name] ?? { masks: [] };

describe("accuracy on loghub-2k (corrected labels)", { timeout: 60_000 }, () => {
  it("uses the library's default configuration, not a tuned one", () => {
    expect(config.miner).toEqual({ ...DEFAULT_DRAIN_OPTIONS });
  });

  it("has labelled data sets to measure", () => {
    expect(names.length).toBeGreaterThan(0);
  });

  it.each(names)("matches or beats Drain's grouping accuracy on %s", (name) => {
    const ds = declared(name);
    const r = measureAccuracy(DATA, name, ds, config.miner);
    expect(r.lines).toBe(2000);
    expect(r.ga).toBeGreaterThanOrEqual(ds.drain?.ga ?? 1);
  });

  it("beats Drain's mean grouping accuracy with no per-dataset masks", () => {
    let ours = 0;
    let drain = 0;
    for (const name of names) {
      const ds = declared(name);
      ours += measureAccuracy(DATA, name, { ...ds, masks: [] }, config.miner).ga;
      drain += ds.drain?.ga ?? 1;
    }
    expect(ours).toBeGreaterThanOrEqual(drain);
  });

  it("normalises every placeholder name to <*> for parsing accuracy", () => {
    expect(normaliseTemplate("uid=<num>  from <ip>:<*>")).toBe("uid=<*> from <*>:<*>");
  });
});
