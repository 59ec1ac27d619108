// The seed report's test: one device is missing ~20% of another's entries
// (170K entries, 33K missing at --scale 1) while its cursor claims them,
// then restarts and must self-heal, fetching only what is missing.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams } from "./params.js";

export function seedGap(p: ScenarioParams): Scenario {
  const scale = p.scale ?? 0.01;
  const entries = Math.max(100, Math.round(170_000 * scale));
  const missing = Math.max(20, Math.round(33_000 * scale));
  // Indexing time grows with scale: ~1000 entries per burst, 1 ms apart.
  const indexMs = 2_000 + Math.ceil(entries / 1000) * 50;
  return {
    name: "seed-gap",
    seed: p.seed,
    devices: Math.max(2, p.devices ?? 2),
    chaosMs: indexMs + 30_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries, batch: 1000 },
      { at: 20, do: "tags", dev: 0, count: 10 },
      { at: indexMs + 20_000, do: "lose-rows", dev: 1, count: missing },
    ],
  };
}
