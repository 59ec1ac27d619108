// The spec model reproduces PROTOCOL.md §7.9.6's worked example, read from
// the document itself (its one home): hashes, slices, first indices,
// symbols 0–4 of both sets, both probes, and the decode at 5 symbols.
import { readFileSync } from "node:fs";
import { fingerprintOf } from "@tidemark/engine";
import { describe, expect, test } from "vitest";
import {
  checksumAndSeed,
  type SpecItem,
  specHash,
  specIndices,
  specProbes,
  specSlice,
  specSymbols,
  symbolText,
} from "./coded-symbols.js";
import { specDecode } from "./peeling.js";

const doc = readFileSync(new URL("../../../../docs/PROTOCOL.md", import.meta.url), "utf8");
const example = doc.slice(doc.indexOf("#### 7.9.6"), doc.indexOf("## 8. PushChanges"));

/** `01…` seq 1: sixteen bytes 01. */
const item = (byte: number, seq: number): SpecItem => ({
  id: new Uint8Array(16).fill(byte),
  seq: BigInt(seq),
});
const A = [item(1, 1), item(2, 1), item(3, 2)];
const B = [item(1, 1), item(2, 3), item(4, 1)];

/** The rows of the table of hashes, slices and indices. */
const rows = [
  ...example.matchAll(/^\| `0(\d)…` s(\d) \| `([0-9a-f]{32})` \| (\d+) +\| ([\d, ]+?) +\|$/gm),
];

/** A symbols block after `heading`, one line per symbol as symbolText prints it. */
function block(heading: string): string[] {
  const from = example.indexOf("```text", example.indexOf(heading)) + "```text".length;
  const text = example.slice(from, example.indexOf("```", from));
  return text
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).slice(1).join(" "))
    .map((l) => {
      const [count, ids, checksum, seq] = l.split(" ");
      return `${count} ${ids} ${checksum} ${seq}`;
    });
}

/** "X's probes are zero except bytes 6 = `0a`, …" as a byte array. */
function probes(who: string): Uint8Array {
  const m = new RegExp(`${who}'s (?:probes\\s+)?are\\s+zero\\s+except\\s+([^;.]+)`).exec(example);
  const out = new Uint8Array(320);
  for (const [, at, v] of (m?.[1] ?? "").matchAll(/(\d+) = `([0-9a-f]{2})`/g))
    out[Number(at)] = Number.parseInt(v as string, 16);
  return out;
}

describe("coded-symbol spec model (§7.9.6)", () => {
  test("every item's hash, slice and first indices are the example's", () => {
    expect(rows).toHaveLength(5);
    for (const [, byte, seq, h, slice, indices] of rows) {
      const x = item(Number(byte), Number(seq));
      expect(Buffer.from(specHash(x)).toString("hex")).toBe(h);
      expect(specSlice(checksumAndSeed(x).checksum)).toBe(Number(slice));
      const want = (indices as string).split(", ").map(Number);
      const got = [...specIndices(checksumAndSeed(x).seed, (want.at(-1) as number) + 1)];
      expect(got).toEqual(want);
    }
  });

  test("B's and A's symbols 0–4 are the example's", () => {
    expect(specSymbols(B, 0, 5).map(symbolText)).toEqual(block("B's symbols 0–4"));
    expect(specSymbols(A, 0, 5).map(symbolText)).toEqual(block("A's own symbols 0–4"));
  });

  test("a later window is the same symbols as the start of a longer one", () => {
    expect(specSymbols(B, 3, 2).map(symbolText)).toEqual(block("B's symbols 0–4").slice(3));
  });

  test("A's and B's probes are the example's", () => {
    expect([...specProbes(A)]).toEqual([...probes("A")]);
    expect([...specProbes(B)]).toEqual([...probes("B")]);
  });

  test("A decodes B's difference from 5 symbols, not from 4", () => {
    const fp = fingerprintOf(B);
    expect(specDecode(specSymbols(B, 0, 4), A, fp)).toBeUndefined();
    const d = specDecode(specSymbols(B, 0, 5), A, fp);
    const text = (xs: readonly SpecItem[]) =>
      xs.map((x) => `${x.id[0]}:${x.seq}`).sort((p, q) => p.localeCompare(q));
    expect(text(d?.theirs ?? [])).toEqual(["2:3", "4:1"]);
    expect(text(d?.ours ?? [])).toEqual(["2:1", "3:2"]);
  });
});
