import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { ReconcileInitiator } from "./initiator.js";
import type { ReconcileOptions } from "./options.js";
import { ReconcileResponder } from "./responder.js";
import { runReconciliation } from "./run-local.js";
import { hex, makeDiffCase } from "./test-sets.js";

// Sizes are drawn so that most runs are small (fast) and a few reach the
// issue's 50k items / 5k diffs; every run checks the exact answer.
const size = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 5000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 50_000 }) },
);
const diff = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 20 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 500 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1250 }) },
);
const options: fc.Arbitrary<ReconcileOptions> = fc.record({
  branching: fc.integer({ min: 2, max: 16 }),
  listThreshold: fc.integer({ min: 1, max: 32 }),
  frameSizeLimit: fc.constantFrom(0, 0, 4096, 20_000),
  maxRanges: fc.constantFrom(0, 0, 0, 64),
});

test.prop(
  [
    fc.record({ common: size, onlyA: diff, onlyB: diff, newerA: diff, newerB: diff }),
    fc.integer(),
    options,
  ],
  { numRuns: 40 },
)(
  "finds exactly the symmetric difference (need and have) within a bounded number of rounds",
  (spec, seed, opts) => {
    const c = makeDiffCase(spec, seed);
    const initiator = new ReconcileInitiator(c.a, opts);
    const stats = runReconciliation(initiator, new ReconcileResponder(c.b, opts), 2000);
    expect(initiator.need.map(hex).sort()).toEqual(c.need);
    expect(initiator.have.map(hex).sort()).toEqual(c.have);
    // Round bound: two per level of the split tree, plus (under a frame
    // limit) a few per frame's worth of bytes, plus (under a range cap) a
    // few per cap's worth of ranges the differences need. Sampled worst
    // case is under half of it.
    const n = Math.max(c.a.length, c.b.length, 1);
    const branching = opts.branching ?? 8;
    const depth = Math.ceil(Math.log(n) / Math.log(branching)) + 2;
    const bytes = stats.bytesToResponder + stats.bytesToInitiator;
    const diffs = spec.onlyA + spec.onlyB + spec.newerA + spec.newerB;
    const bound =
      2 * depth +
      (opts.frameSizeLimit ? (4 * bytes) / opts.frameSizeLimit : 0) +
      (opts.maxRanges ? (4 * diffs * (branching + 2)) / opts.maxRanges : 0);
    expect(stats.roundTrips).toBeLessThanOrEqual(Math.ceil(bound));
    if (opts.frameSizeLimit) expect(stats.maxMessageBytes).toBeLessThanOrEqual(opts.frameSizeLimit);
  },
  60_000,
);

test.prop([fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2000 }), fc.integer()], {
  numRuns: 30,
})(
  "all-different and one-sided sets are found exactly",
  (na, nb, seed) => {
    const c = makeDiffCase({ common: 0, onlyA: na, onlyB: nb, newerA: 0, newerB: 0 }, seed);
    const initiator = new ReconcileInitiator(c.a);
    runReconciliation(initiator, new ReconcileResponder(c.b));
    expect(initiator.need.map(hex).sort()).toEqual(c.need);
    expect(initiator.have.map(hex).sort()).toEqual(c.have);
  },
  60_000,
);
