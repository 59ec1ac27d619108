// invalid-reconciles-counted's judge on real answers: an honest responder's
// answers are never judged refusable, and each of the bad-reconcile liar's
// rewrites is (coded symbols out of sequence or replaced, needed ids never
// listed), as the reference initiator refuses it.

import { create } from "@bufbuild/protobuf";
import { ReconcileInitiator, ReconcileResponder } from "@tidemark/engine";
import {
  type ReconcileRange,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { badReconcile } from "../faults/bad-reconcile.js";
import { refusedReconcileAnswer } from "./invalid-reconciles.js";

const STREAM = { origin: new Uint8Array(16).fill(1), resource: 4 };

/** n items with ids 0x10.., seqs 1..n; `skew` shifts some seqs. */
function items(n: number, skew = 0) {
  return Array.from({ length: n }, (_, k) => {
    const id = new Uint8Array(16);
    id[0] = 0x10 + (k >> 8);
    id[1] = k & 0xff;
    return { id, seq: BigInt(k + 1 + (k % 7 === 0 ? skew : 0)) };
  });
}

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
