import { MAX_RANGES_PER_MESSAGE } from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { ReconcileInitiator } from "./initiator.js";
import { ReconcileResponder } from "./responder.js";
import { maxReconcileRounds } from "./round-bound.js";
import { runReconciliation } from "./run-local.js";
import { hex, makeDiffCase } from "./test-sets.js";

describe("maxReconcileRounds", () => {
  it("grows with the sets and with tighter range and frame limits", () => {
    const small = maxReconcileRounds(1_000, 1_000);
    const seed = maxReconcileRounds(170_000, 170_000);
    expect(seed).toBeGreaterThan(small);
    expect(maxReconcileRounds(10_000, 10_000, { maxRanges: 64 })).toBeGreaterThan(
      maxReconcileRounds(10_000, 10_000, { maxRanges: MAX_RANGES_PER_MESSAGE }),
    );
    expect(maxReconcileRounds(10_000, 10_000, { frameSizeLimit: 4096 })).toBeGreaterThan(
      maxReconcileRounds(10_000, 10_000),
    );
    // Without limits only the depth of the split tree counts.
    expect(maxReconcileRounds(1 << 24, 0, { frameSizeLimit: 0, maxRanges: 0 })).toBe(
      2 * (8 + 2) + 8,
    );
  });

  // The seed-gap failure in miniature: a 20% gap needs more rounds than
  // the old fixed cap of 64 under the protocol's range limit, and stays
  // within the bound computed from the set sizes.
  it("a 20% gap in 100K items needs more than 64 rounds and fits the bound", () => {
    const c = makeDiffCase({ common: 80_000, onlyA: 0, onlyB: 20_000, newerA: 0, newerB: 0 }, 7);
    const initiator = new ReconcileInitiator(c.a);
    const bound = maxReconcileRounds(c.a.length, c.b.length);
    const stats = runReconciliation(initiator, new ReconcileResponder(c.b), bound);
    expect(initiator.need.map(hex).sort()).toEqual(c.need);
    expect(initiator.have).toEqual([]);
    expect(stats.roundTrips).toBeGreaterThan(64);
    expect(stats.roundTrips).toBeLessThanOrEqual(bound);
  }, 60_000);
});
