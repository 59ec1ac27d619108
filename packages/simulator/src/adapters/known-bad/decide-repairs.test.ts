// Decision slips that only add work or a wasted round trip, planted through
// a module mock of the engine's decision function (test code only, never
// a switch in the engine). No final state differs, so only the repair
// properties (src/properties/repairs.ts) see them, each in the named
// scenario aimed at that boundary of the decision table. The real rules
// pass the same scenarios.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine module's own shapes (a type import would pull engine sources into this program).
type Decision = {
  kind: string;
  reason: string;
  afterSeq?: bigint | undefined;
  deferred?: boolean;
};
type Input = { local?: { cursor?: bigint } };
type Decide = (input: Input) => Decision;
type Slip = (d: Decision, input: Input) => Decision;

const SLIPS: Record<string, Slip> = {
  // A full resync whenever the peer is ahead (no horizon needed).
  "resync-when-ahead": (d) =>
    d.reason === "peer-ahead" ? { kind: "full-resync", reason: "x" } : d,
  // Fingerprints compared with a peer whose cursor is frozen mid-pull.
  "reconcile-mid-pull": (d) =>
    d.reason === "peer-pulling" ? { kind: "reconcile", reason: "x" } : d,
  // A full resync against a peer whose cursor is frozen mid-pull.
  "resync-mid-pull": (d) =>
    d.reason === "peer-pulling-below-horizon" ? { kind: "full-resync", reason: "x" } : d,
  // A pull after our cursor although it is below the peer's horizon.
  "pull-below-horizon": (d, input) =>
    d.kind === "full-resync" ? { kind: "pull", reason: "x", afterSeq: input.local?.cursor } : d,
  // No deferral: the side holding more rows reconciles at once.
  "fuller-reconciles": (d) => (d.deferred === true ? { kind: "reconcile", reason: "x" } : d),
};

const planted = vi.hoisted(() => ({ slip: "" }));

vi.mock("../../../../engine/src/sync/decide.ts", async (original) => {
  const real = (await original()) as { decideStream: Decide };
  return {
    ...real,
    decideStream: (input: Input): Decision => {
      const d = real.decideStream(input);
      const slip = SLIPS[planted.slip];
      return slip === undefined ? d : slip(d, input);
    },
  };
});

async function run(scenario: string, slip: string) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, scenario, { seed: 3, scale: 0.003 });
}

const CASES = [
  ["resync-when-ahead", "behind-at-horizon", "reconcile-when-due"],
  // Fingerprints that cannot agree mid-pull: the engine says it at error
  // (reconcile-unresolved), which error-logs-explained reads before the repairs.
  ["reconcile-mid-pull", "peer-mid-pull", "error-logs-explained"],
  ["resync-mid-pull", "below-horizon-peer-pulling", "reconcile-when-due"],
  ["pull-below-horizon", "restore-below-horizon", "pull-above-horizon"],
  ["fuller-reconciles", "silent-row-loss", "reconcile-by-the-lacking-side"],
] as const;

describe("repairs the decision table does not call for", () => {
  for (const [slip, scenario, property] of CASES) {
    test(`the engine's own rules pass ${scenario}`, async () => {
      const r = await run(scenario, "");
      expect(r.failure).toBeUndefined();
    }, 120_000);

    test(`${slip} fails ${property} in ${scenario}`, async () => {
      const r = await run(scenario, slip);
      expect(r.failure?.property).toBe(property);
    }, 120_000);
  }
});
