// initiator-claims-honest over a real range-round run: the reference
// initiator's requests pass, one fingerprint altered after the first
// round (or a listed seq) fails, and a run whose items changed before its first message
// (its claims add up to another set) is left unjudged.
import { create } from "@bufbuild/protobuf";
import { ReconcileInitiator, ReconcileResponder } from "@tidemark/engine";
import { type ReconcileRange, ReconcileRequestSchema } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { InitiatorClaims } from "./initiator-claims.js";
import { type Item, items as itemsWith, probeOf, STREAM } from "./reconcile-items.fixture.js";

const items = (n: number, seqOffset = 0n) => itemsWith(n, (k) => BigInt(k + 1) + seqOffset);

/** Runs the reference initiator over `own` against `theirs`, each request through `claims`. */
function run(
  claims: InitiatorClaims,
  own: Item[],
  theirs: Item[],
  alter?: (round: number, r: ReconcileRange[]) => void,
) {
  const initiator = new ReconcileInitiator(own);
  const responder = new ReconcileResponder(theirs);
  let ranges: ReconcileRange[] | undefined = initiator.initiate();
  for (let round = 0; ranges !== undefined && round < 20; round++) {
    alter?.(round, ranges);
    const req = create(ReconcileRequestSchema, { stream: STREAM, ranges });
    claims.observe(
      { from: 1, to: 0, rpc: "Reconcile", part: "req", call: round, bytes: 0, message: () => req },
      0,
    );
    ranges = initiator.reconcile(responder.reconcile(ranges));
  }
}

describe("initiator-claims-honest", () => {
  const own = items(1000);
  // Every 50th row newer on the responder: a second round lists the parts that differ.
  const theirs = own.map((x, k) => (k % 50 === 0 ? { id: x.id, seq: x.seq + 1n } : x));

  test("the reference initiator's requests describe its items", () => {
    const claims = new InitiatorClaims(
      () => probeOf(own),
      () => false,
    );
    run(claims, own, theirs);
    expect(claims.judged).toBeGreaterThanOrEqual(2);
    expect(claims.check()).toBeUndefined();
  });

  test("a claim altered after the first round fails", () => {
    const claims = new InitiatorClaims(
      () => probeOf(own),
      () => false,
    );
    run(claims, own, theirs, (round, ranges) => {
      const p = ranges.find((r) => r.payload.case !== "skip")?.payload;
      if (round !== 1) return;
      if (p?.case === "fingerprint") p.value = new Uint8Array(16).fill(7);
      if (p?.case === "items") p.value.seqs[0] = (p.value.seqs[0] ?? 0n) + 1n;
    });
    expect(claims.check()?.property).toBe("initiator-claims-honest");
  });

  test("a run whose store changed before its first message is not judged", () => {
    const claims = new InitiatorClaims(
      () => probeOf(items(300, 5n)),
      () => false,
    );
    run(claims, own, theirs);
    expect(claims.judged).toBe(0);
    expect(claims.check()).toBeUndefined();
  });
});
