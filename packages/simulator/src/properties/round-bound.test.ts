// round-bound-kept's pieces: the bound written from PROTOCOL §7.5's text,
// and the endless-reconcile lie — each of its answers valid and never
// refusable, yet the reference initiator never finishes against it.
import { create } from "@bufbuild/protobuf";
import { ReconcileInitiator, ReconcileResponder } from "@tidemark/engine";
import {
  ReconcileRequestSchema,
  ReconcileResponseSchema,
  validateReconcileResponse,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { endlessReconcile } from "../faults/bad-reconcile.js";
import { refusedReconcileAnswer } from "./invalid-reconciles.js";
import { items, STREAM } from "./reconcile-items.fixture.js";
import { roundBound } from "./round-bound.js";

describe("round-bound-kept", () => {
  test("the bound follows §7.5: 2(⌈log_8 n⌉ + 2) + 4⌈140n / 1 MiB⌉ + 4⌈10n / 256⌉ + 8", () => {
    // n = 115: 2·(3 + 2) + 4·1 + 4·5 + 8; at an exact power of 8 the log is exact.
    expect(roundBound(115)).toBe(42);
    expect(roundBound(64)).toBe(2 * 4 + 4 + 4 * 3 + 8);
  });

  test("endless-reconcile answers are valid and never refusable, and never settle", () => {
    const initiator = new ReconcileInitiator(items(100));
    const responder = new ReconcileResponder(items(100));
    let ranges = initiator.initiate();
    for (let round = 0; round < 60; round++) {
      const request = create(ReconcileRequestSchema, { stream: STREAM, ranges });
      const honest = create(ReconcileResponseSchema, {
        ranges: responder.reconcile(ranges),
        cursor: 100n,
      });
      const lie = endlessReconcile(request, honest);
      expect(validateReconcileResponse(lie, { request }).ok).toBe(true);
      expect(refusedReconcileAnswer(request, lie)).toBeUndefined();
      const next = initiator.reconcile(lie.ranges);
      expect(next).toBeDefined();
      ranges = next ?? [];
    }
  });
});
