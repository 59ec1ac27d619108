// A decision slip that only adds work, planted through a module mock of
// the engine's decision function (test code only, never a switch in the
// engine): a reconcile when cursors and fingerprints agree (the equality
// test inverted). Nothing is lost, so only a cost property sees it:
// quiet-at-rest, once the healed replicas agree. The real rules pass the
// same scenario. (A pull at equal cursors is no slip to plant: the
// source chooser finds no peer ahead and starts nothing.)
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine module's own shapes (a type import would pull engine sources into this program).
type Decision = { kind: string; reason: string };
type Input = Record<string, unknown>;
type Decide = (input: Input) => Decision;

const planted = vi.hoisted(() => ({ slip: false }));

vi.mock("../../../../engine/src/sync/decide.ts", async (original) => {
  const real = (await original()) as { decideStream: Decide };
  return {
    ...real,
    decideStream: (input: Input): Decision => {
      const d = real.decideStream(input);
      if (d.reason !== "in-sync" || !planted.slip) return d;
      return { kind: "reconcile", reason: "fingerprint-mismatch" };
    },
  };
});

async function run(slip: boolean) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, "late-joiner", { seed: 1, scale: 0.003 });
}

describe("decisions that act between replicas that agree", () => {
  test("the engine's own rules rest quietly after late-joiner", async () => {
    const r = await run(false);
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("a reconcile at equal fingerprints fails quiet-at-rest", async () => {
    const r = await run(true);
    expect(r.failure?.property).toBe("quiet-at-rest");
    expect(r.failure?.detail).toContain("Reconcile");
  }, 120_000);
});
