import { create, toBinary } from "@bufbuild/protobuf";
import {
  ItemListSchema,
  type ReconcileRange,
  ReconcileRangeSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { isEngineError } from "../errors.js";
import type { ReconcileItem } from "../store/store-api.js";
import { ReconcileInitiator } from "./initiator.js";
import type { ReconcileOptions } from "./options.js";
import { ReconcileResponder } from "./responder.js";
import { runReconciliation } from "./run-local.js";
import { type DiffSpec, hex, makeDiffCase } from "./test-sets.js";

function reconcileBoth(a: ReconcileItem[], b: ReconcileItem[], options: ReconcileOptions = {}) {
  const initiator = new ReconcileInitiator(a, options);
  const stats = runReconciliation(initiator, new ReconcileResponder(b, options));
  return {
    stats,
    need: initiator.need.map(hex).sort(),
    have: initiator.have.map(hex).sort(),
  };
}

function expectExact(spec: DiffSpec, seed: number, options: ReconcileOptions = {}) {
  const c = makeDiffCase(spec, seed);
  const r = reconcileBoth(c.a, c.b, options);
  expect(r.need).toEqual(c.need);
  expect(r.have).toEqual(c.have);
  return r.stats;
}

const requestHex = (ranges: ReconcileRange[]) =>
  hex(toBinary(ReconcileRequestSchema, create(ReconcileRequestSchema, { ranges })));
const responseHex = (ranges: ReconcileRange[]) =>
  hex(toBinary(ReconcileResponseSchema, create(ReconcileResponseSchema, { ranges })));
const id = (...bytes: number[]) => {
  const out = new Uint8Array(16);
  out.set(bytes, 16 - bytes.length);
  return out;
};
const idFill = (b: number) => new Uint8Array(16).fill(b);

describe("reconcile edge cases", () => {
  it("empty against empty finishes in one round trip with nothing to do", () => {
    const s = expectExact({ common: 0, onlyA: 0, onlyB: 0, newerA: 0, newerB: 0 }, 1);
    expect(s.roundTrips).toBe(1);
    expect(s.bytesToInitiator).toBe(0);
  });

  it("an empty initiator needs every responder item", () => {
    expectExact({ common: 0, onlyA: 0, onlyB: 5000, newerA: 0, newerB: 0 }, 2);
  });

  it("an empty responder is sent every initiator item as have", () => {
    expectExact({ common: 0, onlyA: 5000, onlyB: 0, newerA: 0, newerB: 0 }, 3);
  });

  it("identical sets cost one round trip and an empty reply", () => {
    const s = expectExact({ common: 20_000, onlyA: 0, onlyB: 0, newerA: 0, newerB: 0 }, 4);
    expect(s.roundTrips).toBe(1);
    expect(s.bytesToInitiator).toBe(0);
  });

  it("all-different sets are found exactly", () => {
    expectExact({ common: 0, onlyA: 3000, onlyB: 3000, newerA: 0, newerB: 0 }, 5);
  });

  it("the same id at different seqs is need on one side and have on the other", () => {
    expectExact({ common: 1000, onlyA: 0, onlyB: 0, newerA: 7, newerB: 9 }, 6);
    const a = [{ id: idFill(9), seq: 5n }];
    const b = [{ id: idFill(9), seq: 6n }];
    expect(reconcileBoth(a, b)).toMatchObject({ need: [hex(idFill(9))], have: [] });
    expect(reconcileBoth(b, a)).toMatchObject({ need: [], have: [hex(idFill(9))] });
  });

  it("ids differing only in the last byte get 16-byte bounds and are told apart", () => {
    const items = (from: number, to: number): ReconcileItem[] =>
      Array.from({ length: to - from }, (_, k) => ({ id: id(from + k), seq: 1n }));
    // A holds 0..199, B holds 1..200: differences at both ends, every id
    // sharing its first 15 bytes with its neighbours.
    const r = reconcileBoth(items(0, 200), items(1, 201), { branching: 4, listThreshold: 4 });
    expect(r.need).toEqual([hex(id(200))]);
    expect(r.have).toEqual([hex(id(0))]);
  });

  it("a 4 KB frame limit forces many rounds, each message within the limit", () => {
    const s = expectExact({ common: 2000, onlyA: 1500, onlyB: 1500, newerA: 100, newerB: 100 }, 7, {
      frameSizeLimit: 4096,
    });
    expect(s.roundTrips).toBeGreaterThan(10);
    expect(s.maxMessageBytes).toBeLessThanOrEqual(4096);
  });

  it("tail-recovers-settled-range: a frame-limit tail never repeats an id in need or have", () => {
    // Where the responder is sparse it lists its few items early, settling
    // that range; a later tail fingerprint re-covers it and the same
    // differences are found again. They must be reported once.
    const c = makeDiffCase({ common: 6000, onlyA: 2000, onlyB: 1000, newerA: 0, newerB: 0 }, 9);
    const haveSet = new Set(c.have);
    const a = c.a.filter((x) => (x.id[0] as number) < 0x80 || haveSet.has(hex(x.id)));
    const b = c.b.filter((x) => (x.id[0] as number) < 0x80);
    const inB = new Set(b.map((x) => hex(x.id)));
    const inA = new Set(a.map((x) => hex(x.id)));
    const r = reconcileBoth(a, b, { frameSizeLimit: 4096, branching: 4 });
    expect(r.need).toEqual([...inB].filter((x) => !inA.has(x)).sort());
    expect(r.have).toEqual([...inA].filter((x) => !inB.has(x)).sort());
  });

  it("a range-count limit is honoured in every message", () => {
    const c = makeDiffCase({ common: 5000, onlyA: 300, onlyB: 300, newerA: 0, newerB: 0 }, 8);
    const initiator = new ReconcileInitiator(c.a, { maxRanges: 16 });
    const responder = new ReconcileResponder(c.b, { maxRanges: 16 });
    let msg: ReconcileRange[] | undefined = initiator.initiate();
    let rounds = 0;
    while (msg !== undefined && rounds++ < 500) {
      expect(msg.length).toBeLessThanOrEqual(16);
      const reply = responder.reconcile(msg);
      expect(reply.length).toBeLessThanOrEqual(16);
      msg = initiator.reconcile(reply);
    }
    expect(initiator.done).toBe(true);
    expect(initiator.need.map(hex).sort()).toEqual(c.need);
    expect(initiator.have.map(hex).sort()).toEqual(c.have);
  });
});

describe("reconcile input checks", () => {
  const fp = (upper: Uint8Array, fill = 0) =>
    create(ReconcileRangeSchema, {
      upperBound: upper,
      payload: { case: "fingerprint", value: new Uint8Array(16).fill(fill) },
    });
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return isEngineError(e) ? e.code : "not-engine-error";
    }
    return "no-error";
  };
  const responder = new ReconcileResponder([{ id: idFill(1), seq: 1n }]);

  it("rejects a message whose last range does not reach the end", () => {
    expect(codeOf(() => responder.reconcile([fp(Uint8Array.of(5))]))).toBe("invalid");
  });
  it("rejects bounds that do not ascend", () => {
    expect(
      codeOf(() =>
        responder.reconcile([fp(Uint8Array.of(5)), fp(Uint8Array.of(4)), fp(new Uint8Array(0))]),
      ),
    ).toBe("invalid");
  });
  it("rejects a fingerprint of the wrong size", () => {
    const bad = create(ReconcileRangeSchema, {
      upperBound: new Uint8Array(0),
      payload: { case: "fingerprint", value: new Uint8Array(8) },
    });
    expect(codeOf(() => responder.reconcile([bad]))).toBe("invalid");
  });
  it("rejects an item list with unsorted ids or missing seqs", () => {
    const ids = new Uint8Array(32);
    ids.fill(2, 0, 16);
    ids.fill(1, 16, 32);
    const unsorted = create(ReconcileRangeSchema, {
      upperBound: new Uint8Array(0),
      payload: { case: "items", value: create(ItemListSchema, { ids, seqs: [1n, 1n] }) },
    });
    const noSeqs = create(ReconcileRangeSchema, {
      upperBound: new Uint8Array(0),
      payload: { case: "items", value: create(ItemListSchema, { ids: idFill(1), seqs: [] }) },
    });
    expect(codeOf(() => responder.reconcile([unsorted]))).toBe("invalid");
    expect(codeOf(() => responder.reconcile([noSeqs]))).toBe("invalid");
  });
  it("rejects reconcile() before initiate() and after done", () => {
    const i = new ReconcileInitiator([]);
    expect(codeOf(() => i.reconcile([]))).toBe("invalid");
    i.initiate();
    expect(i.reconcile([])).toBeUndefined();
    expect(codeOf(() => i.reconcile([]))).toBe("invalid");
  });
  it("rejects options outside their ranges", () => {
    expect(codeOf(() => new ReconcileResponder([], { branching: 1 }))).toBe("invalid");
    expect(codeOf(() => new ReconcileResponder([], { frameSizeLimit: 100 }))).toBe("invalid");
    expect(codeOf(() => new ReconcileResponder([], { listThreshold: 0 }))).toBe("invalid");
  });
});

describe("reconcile test vectors (RECONCILE-SPEC §8)", () => {
  // A = {01.., seq 1}, {02.., seq 1}, {03.., seq 2}; B = {01.., seq 1}, {02.., seq 3}, {04.., seq 1}.
  const A = [
    { id: idFill(1), seq: 1n },
    { id: idFill(2), seq: 1n },
    { id: idFill(3), seq: 2n },
  ];
  const B = [
    { id: idFill(1), seq: 1n },
    { id: idFill(2), seq: 3n },
    { id: idFill(4), seq: 1n },
  ];

  it("vector 1: a small set is sent as one item list and answered with a diff", () => {
    const initiator = new ReconcileInitiator(A);
    const m1 = initiator.initiate();
    expect(requestHex(m1)).toBe(
      `22391a370a30${"01".repeat(16)}${"02".repeat(16)}${"03".repeat(16)}1203010102`,
    );
    const r1 = new ReconcileResponder(B).reconcile(m1);
    expect(responseHex(r1)).toBe(
      `0a3a1a380a20${"02".repeat(16)}${"04".repeat(16)}120203011a10${"03".repeat(16)}`,
    );
    expect(initiator.reconcile(r1)).toBeUndefined();
    expect(initiator.need.map(hex)).toEqual([hex(idFill(2)), hex(idFill(4))]);
    expect(initiator.have.map(hex)).toEqual([hex(idFill(3))]);
  });

  it("vector 2: with branching 2 and list threshold 1 the first message holds fingerprints", () => {
    const initiator = new ReconcileInitiator(A, { branching: 2, listThreshold: 1 });
    const m1 = initiator.initiate();
    expect(requestHex(m1)).toBe(
      "22150a01031210c0552829d5cc0cc4d02b19a7605a323b22121210b0a9f6cfee7227595805b369c8d3d50a",
    );
    const responder = new ReconcileResponder(B, { branching: 2, listThreshold: 1 });
    const transcript: string[] = [requestHex(m1)];
    let msg: ReconcileRange[] | undefined = m1;
    while (msg !== undefined) {
      const reply = responder.reconcile(msg);
      transcript.push(responseHex(reply));
      msg = initiator.reconcile(reply);
      if (msg !== undefined) transcript.push(requestHex(msg));
    }
    expect(transcript).toEqual([
      "22150a01031210c0552829d5cc0cc4d02b19a7605a323b22121210b0a9f6cfee7227595805b369c8d3d50a",
      "0a150a01021210fbdb583fc94c8e5096d6b9436c36697b0a150a01031210f4837b38df1473c8bef1f6d0e1b65c97" +
        `0a171a150a10${"04".repeat(16)}120101`,
      `22050a01022001221a0a01031a150a10${"02".repeat(16)}12010122022001`,
      `0a050a010220010a1a0a01031a150a10${"02".repeat(16)}1201030a022001`,
    ]);
    expect(initiator.need.map(hex).sort()).toEqual([hex(idFill(2)), hex(idFill(4))]);
    expect(initiator.have.map(hex)).toEqual([hex(idFill(3))]);
  });
});
