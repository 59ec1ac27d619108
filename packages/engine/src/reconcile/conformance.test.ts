// Every message the default configuration sends passes the protocol
// package's own validators (range count, bounds, item lists, seqs >= 1).
import { create } from "@bufbuild/protobuf";
import {
  type ReconcileRange,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
  Resource,
  StreamIdSchema,
  validateReconcileRequest,
  validateReconcileResponse,
} from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { ReconcileInitiator } from "./initiator.js";
import { ReconcileResponder } from "./responder.js";
import { type DiffSpec, hex, makeDiffCase } from "./test-sets.js";

const libraryId = new Uint8Array(16).fill(0xaa);
const deviceId = new Uint8Array(16).fill(0xbb);
const stream = create(StreamIdSchema, { origin: deviceId, resource: Resource.ENTRY });

function runValidated(spec: DiffSpec, seed: number) {
  const c = makeDiffCase(spec, seed);
  const initiator = new ReconcileInitiator(c.a);
  const responder = new ReconcileResponder(c.b);
  let ranges: ReconcileRange[] | undefined = initiator.initiate();
  let rounds = 0;
  while (ranges !== undefined && rounds++ < 1000) {
    const request = create(ReconcileRequestSchema, { libraryId, deviceId, stream, ranges });
    const req = validateReconcileRequest(request, { libraryId });
    expect(req.ok ? "ok" : req.error.message).toBe("ok");
    const response = create(ReconcileResponseSchema, { ranges: responder.reconcile(ranges) });
    const res = validateReconcileResponse(response, { request });
    expect(res.ok ? "ok" : res.error.message).toBe("ok");
    ranges = initiator.reconcile(response.ranges);
  }
  expect(initiator.need.map(hex).sort()).toEqual(c.need);
  expect(initiator.have.map(hex).sort()).toEqual(c.have);
  return rounds;
}

// CPU-bound (20k items hashed per run): a generous bound for a loaded CI machine.
describe("default options conform to the protocol limits", { timeout: 120_000 }, () => {
  it("scattered differences in 20k items: every message validates", () => {
    const rounds = runValidated(
      { common: 20_000, onlyA: 400, onlyB: 400, newerA: 50, newerB: 50 },
      11,
    );
    expect(rounds).toBeGreaterThan(3);
  });

  it("one side empty: every message validates", () => {
    runValidated({ common: 0, onlyA: 0, onlyB: 6000, newerA: 0, newerB: 0 }, 12);
    runValidated({ common: 0, onlyA: 6000, onlyB: 0, newerA: 0, newerB: 0 }, 13);
  });
});
