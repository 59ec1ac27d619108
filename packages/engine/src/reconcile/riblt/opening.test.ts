// The negotiated coded-symbol exchange opens with the fingerprint and a
// small batch (PROTOCOL.md §7.9.5, RC-29): equal sets end with a skip, small
// differences decode without the estimator, and the estimator goes out only
// once a reply shows a difference larger than the opening batch measures.
// Against range rounds on the same sets it is never worse in bytes or
// round trips at small d.
import { type ReconcileRange, RIBLT_PROBE_BYTES } from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { ReconcileInitiator } from "../initiator.js";
import type { ReconcileSet } from "../item-set.js";
import type { ReconcileOptions } from "../options.js";
import { ReconcileResponder } from "../responder.js";
import { runReconciliation } from "../run-local.js";
import { hex, scatteredSets } from "../test-sets.js";
import { OPENING_BATCH } from "./policy.js";

const T = 120_000;

type Run = {
  requests: ReconcileRange[][];
  bytes: number;
  roundTrips: number;
  done: ReconcileInitiator;
};

/** A real responder that keeps every request it answered. */
class RecordingResponder extends ReconcileResponder {
  readonly requests: ReconcileRange[][] = [];
  override reconcile(request: readonly ReconcileRange[]): ReconcileRange[] {
    this.requests.push([...request]);
    return super.reconcile(request);
  }
}

/** Runs a session and keeps every request the initiator sent. */
function run(a: ReconcileSet, b: ReconcileSet, options: ReconcileOptions): Run {
  const initiator = new ReconcileInitiator(a, options);
  const responder = new RecordingResponder(b, options);
  const stats = runReconciliation(initiator, responder, 100);
  const requests = responder.requests;
  return {
    requests,
    bytes: stats.bytesToResponder + stats.bytesToInitiator,
    roundTrips: stats.roundTrips,
    done: initiator,
  };
}

const symbolsRequests = (r: Run) =>
  r.requests.flatMap((req) =>
    req.flatMap((x) => (x.payload.case === "symbolsRequest" ? [x.payload.value] : [])),
  );
const sortedHex = (ids: readonly Uint8Array[]) => ids.map(hex).sort();

describe("the fingerprint opening of coded symbols (§7.9.5)", () => {
  it(
    "ends equal sets after one round trip carrying only the fingerprint and a small batch",
    () => {
      const { a, b } = scatteredSets(3000, 0, 1);
      const coded = run(a, b, { codedSymbols: true });
      const ranges = run(a, b, {});
      expect(coded.roundTrips).toBe(1);
      const [first] = symbolsRequests(coded);
      expect(first?.count).toBe(OPENING_BATCH);
      expect(first?.probes.length).toBe(0);
      expect(first?.fingerprint).toEqual(a.fingerprint(0, a.size));
      expect(coded.bytes).toBeLessThanOrEqual(ranges.bytes);
      expect(coded.done.need).toEqual([]);
      expect(coded.done.have).toEqual([]);
    },
    T,
  );

  it(
    "is never worse than range rounds in bytes or round trips for small differences",
    () => {
      for (const [d, seed] of [
        [0, 2],
        [1, 3],
        [2, 4],
        [4, 5],
        [10, 6],
        [30, 7],
        [100, 8],
      ] as const) {
        const { a, b } = scatteredSets(20_000, d, seed);
        const coded = run(a, b, { codedSymbols: true });
        const ranges = run(a, b, {});
        expect(coded.done.fallbackReason).toBeUndefined();
        expect(sortedHex(coded.done.need)).toEqual(sortedHex(ranges.done.need));
        expect(sortedHex(coded.done.have)).toEqual(sortedHex(ranges.done.have));
        expect({ d, bytes: coded.bytes <= ranges.bytes }).toEqual({ d, bytes: true });
        expect({ d, rt: coded.roundTrips <= ranges.roundTrips }).toEqual({ d, rt: true });
      }
    },
    T,
  );

  it(
    "decodes a difference of one item from the opening batch without the estimator",
    () => {
      const { a, b } = scatteredSets(3000, 1, 9);
      const coded = run(a, b, { codedSymbols: true });
      expect(coded.roundTrips).toBe(1);
      expect(symbolsRequests(coded).every((q) => q.probes.length === 0)).toBe(true);
      expect(coded.done.need.length + coded.done.have.length).toBe(1);
    },
    T,
  );

  it(
    "sends the estimator once, in the second request, when the opening batch shows a large difference",
    () => {
      const { a, b } = scatteredSets(5000, 400, 10);
      const coded = run(a, b, { codedSymbols: true });
      const qs = symbolsRequests(coded);
      expect(qs[0]?.probes.length).toBe(0);
      expect(qs[1]?.start).toBe(BigInt(OPENING_BATCH));
      expect(qs[1]?.count).toBe(0);
      expect(qs[1]?.probes.length).toBe(RIBLT_PROBE_BYTES);
      expect(qs.slice(2).every((q) => q.probes.length === 0)).toBe(true);
      expect(coded.roundTrips).toBeLessThanOrEqual(3);
      expect(coded.done.need.length + coded.done.have.length).toBe(400);
    },
    T,
  );

  it(
    "opens with the estimator when asked to (the probes opening)",
    () => {
      const { a, b } = scatteredSets(3000, 40, 11);
      const coded = run(a, b, { codedSymbols: true, codedOpening: "probes" });
      const [first] = symbolsRequests(coded);
      expect(first?.count).toBe(0);
      expect(first?.probes.length).toBe(RIBLT_PROBE_BYTES);
      expect(coded.done.need.length + coded.done.have.length).toBe(40);
    },
    T,
  );
});
