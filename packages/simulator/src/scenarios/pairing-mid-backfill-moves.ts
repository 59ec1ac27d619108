// An origin's own stream goes unconfirmed under a call paging it (line of
// thought: PROTOCOL §5.2 BF-20). d1 joins late and pulls d0's 400 entries
// page by page over a slow one-way link; meanwhile d2 joins while cut off
// from d0, so d0 pairs with it but cannot hear from it: its new writes are
// held, unconfirmed above the cursor (§3.7). d0 then moves entries whose
// versions d1's call has not reached. The stream is no longer served: the
// unfixed engine answered d1's next page NOT_HELD after the call's OK pages
// (honest-answers: such a page is a stream's only one); now the call fails
// and d1 ends where it received every seq, then finishes after the heal.
import type { Scenario } from "../scenario.js";
import { DEFAULT_HEAL_MS, type ScenarioParams } from "./params.js";

export function pairingMidBackfillMoves(p: ScenarioParams): Scenario {
  return {
    name: "pairing-mid-backfill-moves",
    seed: p.seed,
    devices: 3,
    chaosMs: 12_000,
    healMs: DEFAULT_HEAL_MS,
    weather: "calm",
    config: { pageMaxChanges: 4, pageMaxBytes: 450 },
    steps: [
      { at: 10, do: "index", dev: 0, entries: 400, batch: 50 },
      { at: 1_000, do: "link", a: 0, b: 1, oneWay: true, bytesPerMs: 10 },
      { at: 1_500, do: "join", dev: 1 },
      { at: 2_900, do: "partition", a: 0, b: 2 },
      { at: 3_000, do: "join", dev: 2 },
      { at: 3_050, do: "move", dev: 0, count: 20 },
      { at: 3_500, do: "move", dev: 0, count: 20 },
    ],
  };
}
