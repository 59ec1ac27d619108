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

/**
 * A device pushes, on its own streams, what the protocol refuses: a
 * device row under the id of a device no one has paired, a tag with a
 * zero HLC, a new directory in another origin's (a hard reference
 * across origins), a directory that is its own parent, a location root
 * moved under its own child. The receiver must store none of them
 * (nothing-forged-stored; a looping change held would never leave the
 * buffer, buffers-bounded), and the forger's honest writes at the same
 * seqs afterwards must converge as usual.
 */
export function forgedReferences(p: ScenarioParams): Scenario {
  const n = scaled(600, p.scale, 40);
  return {
    name: "forged-references",
    seed: p.seed,
    devices: 2,
    chaosMs: 6_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    steps: [
      { at: 10, do: "index", dev: 0, entries: n, batch: 100 },
      { at: 300, do: "index", dev: 1, entries: n, batch: 100 },
      { at: 3_000, do: "forge", dev: 0, target: 1, forgery: "foreign-device-row" },
      { at: 3_200, do: "forge", dev: 0, target: 1, forgery: "zero-hlc" },
      { at: 3_400, do: "forge", dev: 0, target: 1, forgery: "cross-origin-parent" },
      { at: 3_600, do: "forge", dev: 0, target: 1, forgery: "self-parent" },
      { at: 3_800, do: "forge", dev: 0, target: 1, forgery: "root-under-child" },
      { at: 4_000, do: "tags", dev: 0, count: 2 },
      { at: 4_200, do: "index", dev: 0, entries: 10, batch: 100 },
      { at: 4_400, do: "foreign-writes", dev: 1, count: 3 },
    ],
  };
}
