// Runs a whole reconciliation between two in-process parties, through the
// real protobuf encoding (toBinary / fromBinary of ReconcileRequest and
// ReconcileResponse), counting the bytes each direction would carry.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type ReconcileRange,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";
import type { ReconcileInitiator } from "./initiator.js";
import type { ReconcileResponder } from "./responder.js";

export type ReconcileRunStats = {
  /** Initiator messages sent, each answered once. */
  readonly roundTrips: number;
  /** Encoded ReconcileRequest bytes (ranges only), all rounds. */
  readonly bytesToResponder: number;
  /** Encoded ReconcileResponse bytes (ranges only), all rounds. */
  readonly bytesToInitiator: number;
  /** Largest single message either way. */
  readonly maxMessageBytes: number;
};

/**
 * Drives `initiator` against `responder` until done. Request envelope
 * fields (library, device, stream) are left empty so the counts are the
 * reconciliation payload alone. Throws Internal after `maxRoundTrips`.
 */
export function runReconciliation(
  initiator: ReconcileInitiator,
  responder: ReconcileResponder,
  maxRoundTrips = 1000,
): ReconcileRunStats {
  let up = 0;
  let down = 0;
  let max = 0;
  let rounds = 0;
  let next: ReconcileRange[] | undefined = initiator.initiate();
  while (next !== undefined) {
    if (++rounds > maxRoundTrips)
      throw new EngineError(EngineErrorCode.Internal, "reconcile: too many round trips", {
        maxRoundTrips,
      });
    const req = toBinary(ReconcileRequestSchema, create(ReconcileRequestSchema, { ranges: next }));
    up += req.length;
    const received = fromBinary(ReconcileRequestSchema, req).ranges;
    const res = toBinary(
      ReconcileResponseSchema,
      create(ReconcileResponseSchema, { ranges: responder.reconcile(received) }),
    );
    down += res.length;
    max = Math.max(max, req.length, res.length);
    next = initiator.reconcile(fromBinary(ReconcileResponseSchema, res).ranges);
  }
  return { roundTrips: rounds, bytesToResponder: up, bytesToInitiator: down, maxMessageBytes: max };
}
