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
    // Unlimited frames: one level of the split tree per message, so the
    // rounds are bounded by the tree depth. Limited frames add one round
    // per frame's worth of bytes.
    const n = Math.max(c.a.length, c.b.length, 1);
    const depth = Math.ceil(Math.log(n) / Math.log(opts.branching ?? 8)) + 2;
    const limit = opts.frameSizeLimit || opts.maxRanges ? 2000 : depth;
    expect(stats.roundTrips).toBeLessThanOrEqual(limit);
    if (opts.frameSizeLimit) expect(stats.maxMessageBytes).toBeLessThanOrEqual(opts.frameSizeLimit);
  },
);

test.prop([fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2000 }), fc.integer()], {
  numRuns: 30,
})("all-different and one-sided sets are found exactly", (na, nb, seed) => {
  const c = makeDiffCase({ common: 0, onlyA: na, onlyB: nb, newerA: 0, newerB: 0 }, seed);
  const initiator = new ReconcileInitiator(c.a);
  runReconciliation(initiator, new ReconcileResponder(c.b));
  expect(initiator.need.map(hex).sort()).toEqual(c.need);
  expect(initiator.have.map(hex).sort()).toEqual(c.have);
});
