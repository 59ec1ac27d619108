// Rateless IBLT reconciliation (PROTOCOL.md §7.9): the index mapping
// against a bigint reference, the byte-level example of §7.9.6 read from
// the document, decoding against range rounds, the false-decode guard and
// the fallback, and a version 1 peer.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { CodedSymbolsSchema, type ReconcileRange, ReconcileRangeSchema } from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { ReconcileInitiator } from "../initiator.js";
import { ReconcileSet } from "../item-set.js";
import { ReconcileResponder } from "../responder.js";
import { runReconciliation } from "../run-local.js";
import { hex, scatteredSets } from "../test-sets.js";
import { RibltDecoder } from "./decoder.js";
import { estimateFromProbes, probesOf } from "./estimator.js";
import { encodeSymbols } from "./item-codes.js";
import { nextIndex, startMapping } from "./mapping.js";
import { itemWords, symbolsToWire } from "./symbols.js";

const T = 60_000;
const docPath = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../../docs/PROTOCOL.md");

const id = (x: number) => new Uint8Array(16).fill(x);
const exampleA = () =>
  new ReconcileSet([
    { id: id(1), seq: 1n },
    { id: id(2), seq: 1n },
    { id: id(3), seq: 2n },
  ]);
const exampleB = () =>
  new ReconcileSet([
    { id: id(1), seq: 1n },
    { id: id(2), seq: 3n },
    { id: id(4), seq: 1n },
  ]);

const sortedHex = (ids: readonly Uint8Array[]) => ids.map(hex).sort();

/** The symbol lines of a §7.9.6 code block: index, count, sums, seq sum. */
function docBlock(after: string): string[] {
  const doc = readFileSync(docPath, "utf8");
  const at = doc.indexOf(after);
  expect(at).toBeGreaterThan(0);
  const body = doc.slice(
    doc.indexOf("```text", at) + 7,
    doc.indexOf("```", doc.indexOf("```text", at) + 7),
  );
  return body
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).join(" "));
}

function symbolLines(set: ReconcileSet, n: number): string[] {
  const w = symbolsToWire(encodeSymbols(set, 0, set.size, 0, n));
  return Array.from({ length: n }, (_, k) => {
    const sums = hex(w.sums.subarray(24 * k, 24 * k + 24));
    return `${k} ${w.counts[k]} ${sums.slice(0, 32)} ${sums.slice(32)} ${w.seqSums[k]}`;
  });
}

describe("coded symbols (§7.9)", () => {
  it("maps items to indices with the specified 64-bit PRNG and binary64 steps", () => {
    const mul = 0xda942042e4dd58b5n;
    for (let k = 0; k < 200; k++) {
      const seed = BigInt.asUintN(64, BigInt(k) * 0x9e3779b97f4a7c15n + 7n);
      const m = startMapping(Number(seed >> 32n), Number(seed & 0xffff_ffffn));
      let state = seed;
      let index = 0;
      for (let step = 0; step < 30 && index < 2 ** 32; step++) {
        state = BigInt.asUintN(64, state * mul);
        index += Math.ceil((index + 1.5) * (2 ** 32 / Math.sqrt(Number(state) + 1) - 1));
        nextIndex(m);
        expect(m.index).toBe(Math.min(index, 2 ** 32));
      }
    }
  });

  it("reproduces the byte-level example of PROTOCOL.md §7.9.6", () => {
    expect(symbolLines(exampleB(), 5)).toEqual(docBlock("B's symbols 0–4"));
    expect(symbolLines(exampleA(), 5)).toEqual(docBlock("A's own symbols 0–4"));
    const a = exampleA();
    const words = new Uint32Array(8);
    const [hi, lo] = itemWords(a, 0, words);
    const m = startMapping(hi, lo);
    const indices = [m.index];
    for (let k = 0; k < 4; k++) {
      nextIndex(m);
      indices.push(m.index);
    }
    expect(indices).toEqual([0, 1, 9, 13, 18]);
    const nonZero = (p: Uint8Array) =>
      [...p].flatMap((v, s) => (v === 0 ? [] : [`${s}:${v.toString(16).padStart(2, "0")}`]));
    expect(nonZero(probesOf(a, 0, 3))).toEqual(["6:0a", "8:c0", "15:7b"]);
    expect(nonZero(probesOf(exampleB(), 0, 3))).toEqual(["14:97", "15:7b", "36:e0"]);
    const four = new RibltDecoder(a, 0, 3);
    four.add(encodeSymbols(exampleB(), 0, 3, 0, 4));
    expect(four.decode()).toBeUndefined();
    const five = new RibltDecoder(a, 0, 3);
    five.add(encodeSymbols(exampleB(), 0, 3, 0, 5));
    const diff = five.decode();
    const items = (xs: readonly { id: Uint8Array; seq: bigint }[]) =>
      xs.map((x) => `${hex(x.id).slice(0, 2)}:${x.seq}`).sort();
    expect(items(diff?.theirs ?? [])).toEqual(["02:3", "04:1"]);
    expect(items(diff?.ours ?? [])).toEqual(["02:1", "03:2"]);
  });

  it(
    "finds exactly the need and have of range rounds, in fewer round trips",
    () => {
      for (const [n, d, seed] of [
        [40, 0, 1],
        [40, 3, 2],
        [3000, 1, 3],
        [3000, 40, 4],
        [5000, 800, 5],
        [2000, 2000, 6],
      ] as const) {
        const { a, b } = scatteredSets(n, d, seed);
        const ranges = new ReconcileInitiator(a);
        runReconciliation(ranges, new ReconcileResponder(b));
        const coded = new ReconcileInitiator(a, { codedSymbols: true });
        const stats = runReconciliation(coded, new ReconcileResponder(b));
        expect(coded.fallbackReason).toBeUndefined();
        expect(sortedHex(coded.need)).toEqual(sortedHex(ranges.need));
        expect(sortedHex(coded.have)).toEqual(sortedHex(ranges.have));
        expect(stats.roundTrips).toBeLessThanOrEqual(3);
      }
    },
    T,
  );

  it(
    "estimates the difference from the probes within a factor of 2",
    () => {
      for (const d of [10, 100, 1000]) {
        const { a, b } = scatteredSets(20_000, d, d);
        const est = estimateFromProbes(probesOf(b, 0, b.size), probesOf(a, 0, a.size));
        expect(est).toBeGreaterThan(d / 2);
        expect(est).toBeLessThan(d * 2);
      }
    },
    T,
  );

  it(
    "rejects a false decode by the fingerprint check and falls back to range rounds",
    () => {
      const { a, b } = scatteredSets(2000, 30, 9);
      const responder = new ReconcileResponder(b);
      // A responder that lies about its fingerprint: the decoded difference
      // cannot match it, so the initiator must not use it.
      const lying = (req: readonly ReconcileRange[]) =>
        responder.reconcile(req).map((r) =>
          r.payload.case === "symbols"
            ? create(ReconcileRangeSchema, {
                upperBound: r.upperBound,
                payload: {
                  case: "symbols",
                  value: create(CodedSymbolsSchema, { ...r.payload.value, fingerprint: id(0xee) }),
                },
              })
            : r,
        );
      const initiator = new ReconcileInitiator(a, { codedSymbols: true });
      let next = initiator.initiate() as ReconcileRange[] | undefined;
      for (let k = 0; next !== undefined && k < 50; k++) next = initiator.reconcile(lying(next));
      expect(initiator.done).toBe(true);
      expect(initiator.fallbackReason).toBe("decoded difference fails the fingerprint");
      const ranges = new ReconcileInitiator(a);
      runReconciliation(ranges, new ReconcileResponder(b));
      expect(sortedHex(initiator.need)).toEqual(sortedHex(ranges.need));
      expect(sortedHex(initiator.have)).toEqual(sortedHex(ranges.have));
    },
    T,
  );

  it(
    "gives up on symbols that never decode and falls back to range rounds",
    () => {
      const { a, b } = scatteredSets(300, 20, 11);
      const responder = new ReconcileResponder(b);
      // Garbage sums: nothing peels, so the bound on symbols asked for ends it.
      const garbage = (req: readonly ReconcileRange[]) =>
        responder.reconcile(req).map((r) => {
          if (r.payload.case !== "symbols") return r;
          const v = r.payload.value;
          return create(ReconcileRangeSchema, {
            upperBound: r.upperBound,
            payload: {
              case: "symbols",
              value: create(CodedSymbolsSchema, { ...v, sums: v.sums.map((x) => x ^ 0x5a) }),
            },
          });
        });
      const initiator = new ReconcileInitiator(a, { codedSymbols: true });
      let next = initiator.initiate() as ReconcileRange[] | undefined;
      for (let k = 0; next !== undefined && k < 100; k++) next = initiator.reconcile(garbage(next));
      expect(initiator.done).toBe(true);
      expect(initiator.fallbackReason).toMatch(/^not decoded after \d+ symbols$/);
      expect(initiator.need.length + initiator.have.length).toBe(20);
    },
    T,
  );

  it(
    "speaks only version 1 range rounds to a peer without the capability",
    () => {
      const { a, b } = scatteredSets(3000, 50, 12);
      const initiator = new ReconcileInitiator(a);
      const responder = new ReconcileResponder(b);
      // A version 1 responder knows no symbols_request: it would reject one.
      const v1 = (req: readonly ReconcileRange[]) => {
        for (const r of req)
          if (r.payload.case === "symbolsRequest" || r.payload.case === "symbols")
            throw new Error("version 1 peer: unknown payload");
        return responder.reconcile(req);
      };
      let next = initiator.initiate() as ReconcileRange[] | undefined;
      for (let k = 0; next !== undefined && k < 50; k++) next = initiator.reconcile(v1(next));
      expect(initiator.done).toBe(true);
      expect(initiator.need.length + initiator.have.length).toBe(50);
    },
    T,
  );

  it("answers a symbols_request whose fingerprint matches with skip (an empty reply)", () => {
    const { a } = scatteredSets(500, 0, 13);
    const initiator = new ReconcileInitiator(a, { codedSymbols: true });
    const first = initiator.initiate();
    expect(first[0]?.payload.case).toBe("symbolsRequest");
    expect(new ReconcileResponder(a).reconcile(first)).toEqual([]);
  });

  it("rejects a reply whose symbols do not continue where the last batch ended", () => {
    const { a, b } = scatteredSets(500, 40, 14);
    const initiator = new ReconcileInitiator(a, { codedSymbols: true });
    const reply = new ReconcileResponder(b).reconcile(initiator.initiate());
    const bad = reply.map((r) =>
      r.payload.case === "symbols"
        ? create(ReconcileRangeSchema, {
            upperBound: r.upperBound,
            payload: {
              case: "symbols",
              value: create(CodedSymbolsSchema, { ...r.payload.value, start: 5n }),
            },
          })
        : r,
    );
    expect(() => initiator.reconcile(bad)).toThrow(/start at 5, expected 0/);
  });
});
