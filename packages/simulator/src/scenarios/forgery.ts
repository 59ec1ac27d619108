// Issue 13: a paired device that forges. It relays another origin's rows
// altered, unsigned and re-signed with its own key while the origin is
// down, and pushes rows it did not write (a third origin's, the receiver's
// own, a signed tombstone of the origin's row, unsigned). The
// joiner must store none of it (nothing-forged-stored) and still converge
// once the relay is honest again.
import type { Scenario } from "../scenario.js";
import type { ScenarioParams } from "./params.js";
import { DEFAULT_HEAL_MS, scaled } from "./params.js";

export function forgingRelay(p: ScenarioParams): Scenario {
  const n = scaled(600, p.scale, 100);
  return {
    name: "forging-relay",
    seed: p.seed,
    devices: 3,
    chaosMs: 16_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 50 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 500, do: "tags", dev: 0, count: 3 },
      { at: 2_500, do: "crash", dev: 0 },
      { at: 3_000, do: "liar", dev: 1, lie: "alter-rows" },
      { at: 3_500, do: "join", dev: 2 },
      { at: 6_000, do: "liar", dev: 1, lie: "strip-signatures" },
      { at: 8_000, do: "liar", dev: 1, lie: "re-sign" },
      { at: 9_000, do: "forge", dev: 1, target: 2, forgery: "other-origin" },
      { at: 9_200, do: "forge", dev: 1, target: 2, forgery: "receivers-stream" },
      { at: 9_400, do: "forge", dev: 1, target: 2, forgery: "forged-tombstone" },
      { at: 9_800, do: "forge", dev: 1, target: 2, forgery: "unsigned" },
      { at: 10_000, do: "restart", dev: 0 },
    ],
  };
}

/**
 * A device pushes, on its own entry stream, a new directory held for a
 * location the receiver lacks, then one of its existing directories moved
 * under it: a cycle only the held version closes. The receiver must refuse
 * the pair (nothing-forged-stored), and the forger's honest writes at the
 * same seqs afterwards must converge as usual.
 */
export function forgedCycleHeld(p: ScenarioParams): Scenario {
  const n = scaled(600, p.scale, 60);
  return {
    name: "forged-cycle-held",
    seed: p.seed,
    devices: 2,
    chaosMs: 6_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 2_000, do: "forge", dev: 0, target: 1, forgery: "cyclic-held" },
      { at: 3_000, do: "index", dev: 0, entries: n, batch: 100 },
    ],
  };
}
