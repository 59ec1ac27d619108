// The coded-symbol variants break one initiator rule each (PROTOCOL.md
// §7.9.4), shown in-process against the reference initiator: a skip
// answer asked again (RC-29), a false decode trusted (RC-26), a refuted
// decode ended without range rounds (RC-27).
import { create } from "@bufbuild/protobuf";
import { CodedSymbolsSchema, type ReconcileRange, ReconcileRangeSchema } from "@tidemark/protocol";
import { describe, expect, it } from "vitest";
import { ReconcileInitiator } from "../../reconcile/initiator.js";
import { ReconcileSet } from "../../reconcile/item-set.js";
import { ReconcileResponder } from "../../reconcile/responder.js";
import type { ReplicaParts } from "../../replica-api.js";
import { knownBadParts } from "./index.js";

type Item = { id: Uint8Array; seq: bigint };
const item = (n: number, seq: number): Item => {
  const id = new Uint8Array(16);
  id[0] = n;
  id[15] = 7;
  return { id, seq: BigInt(seq) };
};
const sorted = (xs: Item[]) => [...xs].sort((a, b) => Buffer.compare(a.id, b.id));
const ours = sorted(Array.from({ length: 20 }, (_, k) => item(k + 1, 2 * k + 2)));
const extra = item(100, 39);
const fake = item(200, 37);

function initiator(parts?: ReplicaParts): ReconcileInitiator {
  const set = new ReconcileSet(ours);
  const options = { codedSymbols: true };
  return parts?.reconcileInitiator?.(set, options) ?? new ReconcileInitiator(set, options);
}

/** Symbols of our items plus `fake`, under the fingerprint of our items plus `extra`. */
function falseDecodeReply(request: ReconcileRange[]): ReconcileRange[] {
  const real = sorted([...ours, extra]);
  const fp = new ReconcileSet(real).fingerprint(0, real.length);
  return new ReconcileResponder(new ReconcileSet(sorted([...ours, fake])))
    .reconcile(request)
    .map((r) =>
      r.payload.case === "symbols"
        ? create(ReconcileRangeSchema, {
            upperBound: r.upperBound,
            payload: {
              case: "symbols",
              value: create(CodedSymbolsSchema, { ...r.payload.value, fingerprint: fp }),
            },
          })
        : r,
    );
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("coded-symbol variants", () => {
  it("repeatsAfterSkip asks again after a skip the reference ends on", () => {
    for (const [parts, repeats] of [
      [undefined, false],
      [knownBadParts("repeatsAfterSkip"), true],
    ] as const) {
      const i = initiator(parts);
      const first = i.initiate();
      const reply = new ReconcileResponder(new ReconcileSet(ours)).reconcile(first);
      expect(reply).toEqual([]);
      expect(i.reconcile(reply) !== undefined).toBe(repeats);
    }
  });

  it("trustsFalseDecode needs the row a false decode names; the reference falls back", () => {
    const ref = initiator();
    expect(ref.reconcile(falseDecodeReply(ref.initiate()))?.[0]?.payload.case).not.toBe(
      "symbolsRequest",
    );
    expect(ref.fallbackReason).toMatch(/fingerprint/);
    const bad = initiator(knownBadParts("trustsFalseDecode"));
    expect(bad.reconcile(falseDecodeReply(bad.initiate()))).toBeUndefined();
    expect(bad.need.map(hex)).toEqual([hex(fake.id)]);
  });

  it("symbolsWithoutFallback ends a refuted decode with nothing needed, no range rounds", () => {
    const bad = initiator(knownBadParts("symbolsWithoutFallback"));
    expect(bad.reconcile(falseDecodeReply(bad.initiate()))).toBeUndefined();
    expect(bad.need).toEqual([]);
  });
});
