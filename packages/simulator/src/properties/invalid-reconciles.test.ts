// invalid-reconciles-counted's judge on real answers: an honest responder's
// answers are never judged refusable, and each of the bad-reconcile liar's
// rewrites is (coded symbols out of sequence or replaced, needed ids never
// listed), as the reference initiator refuses it. And the tracker on
// hand-made deliveries: a counted refusal passes, an uncounted one fails.

import { create } from "@bufbuild/protobuf";
import { ReconcileInitiator, ReconcileResponder } from "@tidemark/engine";
import {
  type ReconcileRange,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { badReconcile } from "../faults/bad-reconcile.js";
import { deviceIdOf } from "../ids.js";
import type { SimNode } from "../node.js";
import { InvalidReconcileTracker, refusedReconcileAnswer } from "./invalid-reconciles.js";
import { items as itemsWith, STREAM } from "./reconcile-items.fixture.js";

/** n items with ids 0x10.., seqs 1..n; `skew` shifts some seqs. */
const items = (n: number, skew = 0) =>
  itemsWith(n, (k) => BigInt(k + 1 + (k % 7 === 0 ? skew : 0)));

function answer(responder: ReconcileResponder, ranges: ReconcileRange[]) {
  return create(ReconcileResponseSchema, { ranges: responder.reconcile(ranges), cursor: 200n });
}

describe("invalid-reconciles-counted's judge", () => {
  for (const coded of [true, false]) {
    test(`honest ${coded ? "coded" : "range"} answers are never refused; each lie is`, () => {
      const options = { codedSymbols: coded };
      const initiator = new ReconcileInitiator(items(200), options);
      const responder = new ReconcileResponder(items(200, 3), options);
      const honest: ReconcileRange[][] = [];
      let next: ReconcileRange[] | undefined = initiator.initiate();
      let rounds = 0;
      while (next !== undefined) {
        const req = create(ReconcileRequestSchema, { stream: STREAM, ranges: next });
        const res = answer(responder, next);
        expect(refusedReconcileAnswer(req, res)).toBeUndefined();
        for (const n of [0, 1]) {
          const lie = badReconcile(res, n);
          expect(refusedReconcileAnswer(req, lie)).toBeDefined();
          // The reference initiator, at the same point, refuses it too.
          const twin = new ReconcileInitiator(items(200), options);
          twin.initiate();
          for (const h of honest) twin.reconcile(h);
          expect(() => twin.reconcile(lie.ranges)).toThrow(/reconcile:/);
        }
        honest.push(res.ranges);
        next = initiator.reconcile(res.ranges);
        rounds++;
      }
      expect(rounds).toBeGreaterThan(0);
      expect(initiator.need.length).toBeGreaterThan(0);
    });
  }
});

const receiver = (counted: number) =>
  ({
    index: 0,
    generation: 1,
    replica: {
      probe: {
        metrics: () => ({
          [`tidemark_invalid_responses_total{peer="${deviceIdOf(1)}",rpc="reconcile",reason="MALFORMED"}`]:
            counted,
        }),
      },
    },
  }) as unknown as SimNode;

/** d0 asks d1 one round and gets `lies` dishonest answers (one call each). */
function tracker(lies: number) {
  const ranges = new ReconcileInitiator(items(200), { codedSymbols: false }).initiate();
  const req = create(ReconcileRequestSchema, { stream: STREAM, ranges });
  const res = answer(new ReconcileResponder(items(200, 3)), ranges);
  const t = new InvalidReconcileTracker(() => 1);
  for (let call = 0; call < 3; call++) {
    const msg = { from: 0, to: 1, rpc: "Reconcile", part: "req", call, message: () => req };
    t.delivered(msg);
    const reply = call < lies ? badReconcile(res, call) : res;
    t.delivered({ ...msg, from: 1, to: 0, part: "res", message: () => reply });
  }
  return t;
}

describe("invalid-reconciles-counted", () => {
  test("refused answers the receiver counted pass; honest ones are not judged", async () => {
    expect(await tracker(2).check([receiver(2)])).toBeUndefined();
    expect(await tracker(0).check([receiver(0)])).toBeUndefined();
  });

  test("a refusable answer the receiver did not count fails", async () => {
    expect((await tracker(2).check([receiver(1)]))?.property).toBe("invalid-reconciles-counted");
  });
});
