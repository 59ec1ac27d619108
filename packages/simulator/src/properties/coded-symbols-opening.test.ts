// coded-symbols-opening judges the first Reconcile request of a session
// between two peers that both announced reconcile.riblt.v1.
import { create } from "@bufbuild/protobuf";
import {
  HelloRequestSchema,
  HelloResponseSchema,
  type ReconcileRange,
  ReconcileRangeSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { Delivered } from "../network/network.js";
import { CodedSymbolsOpening } from "./coded-symbols-opening.js";
import { tapRequest } from "./tap.fixture.js";

const RIBLT = ["reconcile.v1", "reconcile.riblt.v1"];
const stream = { origin: new Uint8Array(16).fill(7), resource: 4 };

const fingerprints = (n: number): ReconcileRange[] =>
  Array.from({ length: n }, (_, k) =>
    create(ReconcileRangeSchema, {
      upperBound: k === n - 1 ? new Uint8Array() : new Uint8Array([(k + 1) * 16]),
      payload: { case: "fingerprint", value: new Uint8Array(16) },
    }),
  );

const symbolsRequest = (): ReconcileRange[] => [
  create(ReconcileRangeSchema, {
    payload: { case: "symbolsRequest", value: { fingerprint: new Uint8Array(16), count: 12 } },
  }),
];

const reconcile = (from: number, to: number, call: number, ranges: ReconcileRange[]) =>
  tapRequest(from, to, "Reconcile", call, create(ReconcileRequestSchema, { stream, ranges }));

const answer = (from: number, to: number, call: number, rpc: string, message: unknown) =>
  ({ from, to, rpc, part: "res", call, message: () => message }) satisfies Delivered;

/** d0 says Hello to d1 announcing `own`; d1 answers announcing `theirs`. */
function hello(t: CodedSymbolsOpening, own: string[], theirs: string[]): void {
  t.observe(tapRequest(0, 1, "Hello", 1, create(HelloRequestSchema, { capabilities: own })), 0);
  t.delivered(answer(1, 0, 1, "Hello", create(HelloResponseSchema, { capabilities: theirs })));
}

const done = (call: number) =>
  answer(1, 0, call, "Reconcile", create(ReconcileResponseSchema, { ranges: [] }));

describe("coded-symbols-opening", () => {
  test("symbols first, a fallback to range rounds after them, and a later symbols opening pass", () => {
    const t = new CodedSymbolsOpening(
      () => 1,
      () => false,
    );
    hello(t, RIBLT, RIBLT);
    t.observe(reconcile(0, 1, 2, symbolsRequest()), 1);
    t.observe(reconcile(0, 1, 3, fingerprints(8)), 2);
    t.delivered(done(3));
    t.observe(reconcile(0, 1, 4, symbolsRequest()), 3);
    expect(t.check()).toBeUndefined();
    expect(t.judged).toBe(2);
  });

  test("range rounds opened between two peers announcing coded symbols fail", () => {
    const t = new CodedSymbolsOpening(
      () => 1,
      () => false,
    );
    hello(t, RIBLT, RIBLT);
    t.observe(reconcile(0, 1, 2, fingerprints(8)), 5);
    expect(t.check()?.detail).toContain(
      "d0 opened a reconcile of stream 07070707/4 with d1 at 5 ms with 8 fingerprint ranges",
    );
  });

  test("range rounds pass with a peer that did not announce the tag, from a liar, or after a restart's new Hello", () => {
    let gen = 1;
    const t = new CodedSymbolsOpening(
      () => gen,
      (d) => d === 2,
    );
    hello(t, RIBLT, ["reconcile.v1"]);
    t.observe(reconcile(0, 1, 2, fingerprints(8)), 1);
    t.observe(reconcile(2, 1, 3, fingerprints(8)), 1);
    gen = 2;
    hello(t, ["reconcile.v1"], RIBLT);
    t.observe(reconcile(0, 1, 4, fingerprints(8)), 2);
    expect(t.check()).toBeUndefined();
  });
});
