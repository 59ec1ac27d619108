// range-queue-kept over real range-round runs at small limits (answers cut
// by tails over queued ranges): the reference initiator passes; one that
// asks a settled range again, skips its first queued range, or asks on
// after every range settled fails.
import { create } from "@bufbuild/protobuf";
import { ReconcileInitiator, type ReconcileOptions, ReconcileResponder } from "@tidemark/engine";
import {
  type ReconcileRange,
  ReconcileRangeSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { InitiatorClaims } from "./initiator-claims.js";
import { RangeQueue } from "./range-queue.js";
import { type Item, items, probeOf, STREAM } from "./reconcile-items.fixture.js";

const SMALL: ReconcileOptions = {
  branching: 4,
  listThreshold: 4,
  frameSizeLimit: 4096,
  maxRanges: 7,
};

/** Requests rewritten by a known-bad initiator: `round`, this run's ranges, the last ones. */
type Alter = (round: number, ranges: ReconcileRange[], last: ReconcileRange[]) => ReconcileRange[];

/** The reference initiator over `own` against `theirs`, every message through the taps. */
function run(own: Item[], theirs: Item[], alter?: Alter): RangeQueue {
  const claims = new InitiatorClaims(
    () => probeOf(own),
    () => false,
  );
  const queue = new RangeQueue(
    (key) => claims.setOf(key),
    () => false,
    5_000,
  );
  const initiator = new ReconcileInitiator(own, SMALL);
  const responder = new ReconcileResponder(theirs, SMALL);
  let ranges: ReconcileRange[] | undefined = initiator.initiate();
  let last: ReconcileRange[] = [];
  for (let round = 0; ranges !== undefined && round < 200; round++) {
    const sent = alter?.(round, ranges, last) ?? ranges;
    const req = create(ReconcileRequestSchema, { stream: STREAM, ranges: sent });
    const tap = { from: 1, to: 0, rpc: "Reconcile", part: "req", call: round, bytes: 0 };
    claims.observe({ ...tap, message: () => req }, 0);
    queue.observe({ ...tap, message: () => req }, 0);
    const answer = responder.reconcile(sent);
    const res = create(ReconcileResponseSchema, { ranges: answer });
    queue.delivered(
      { from: 0, to: 1, rpc: "Reconcile", part: "res", call: round, message: () => res },
      1,
    );
    last = ranges;
    // A known-bad request is answered, but the reference goes on from its own.
    ranges = initiator.reconcile(responder.reconcile(ranges));
  }
  return queue;
}

const skipAll = () => [create(ReconcileRangeSchema, { payload: { case: "skip", value: true } })];

describe("range-queue-kept", () => {
  const own = items(400);
  // A third of the rows missing, spread over the id space: many ranges differ.
  const theirs = own.concat(items(600).slice(400)).filter((_, k) => k % 3 !== 1);

  test("the reference initiator works through its queue, tails included", () => {
    const queue = run(own, theirs);
    expect(queue.judged).toBeGreaterThan(5);
    expect(queue.tails).toBeGreaterThan(0);
    expect(queue.check()).toBeUndefined();
  });

  test("a settled range asked again fails", () => {
    const queue = run(own, theirs, (round, ranges, last) => (round === 3 ? last : ranges));
    expect(queue.check()?.detail).toMatch(/no answer left queued|only in part|id order/);
  });

  test("a round that describes nothing fails", () => {
    const queue = run(own, theirs, (round, ranges) => (round === 2 ? skipAll() : ranges));
    expect(queue.check()?.property).toBe("range-queue-kept");
  });
});
