// A device of another library paired in by mistake (d2, and d3 of the same
// second library): every handshake between the libraries is refused (§15
// AU-7), so each side must park the other's devices in `failed` for good,
// and own commits — held after every open until each paired peer was heard
// from (§3.7) — must not wait on a peer that holds none of our streams.
// d0 writes, restarts (its commits held again) and writes more; d1 writes.
// libraries-apart judges that no stream crosses between the libraries, that
// each side shows the other parked, and that d2 and d3 converge on their own.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams, scaled } from "./params.js";

export function foreignDevice(p: ScenarioParams): Scenario {
  const n = scaled(1_000, p.scale, 40);
  return {
    name: "foreign-device",
    seed: p.seed,
    devices: 4,
    foreign: [2, 3],
    chaosMs: 4_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { periodicExchangeMs: 2_000 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 20 },
      { at: 200, do: "tags", dev: 1, count: 3 },
      { at: 1_000, do: "crash", dev: 0 },
      { at: 1_500, do: "restart", dev: 0 },
      { at: 2_000, do: "index", dev: 0, entries: n, batch: 20 },
    ],
  };
}
