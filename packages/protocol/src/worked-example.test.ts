// Pins the byte-level Reconcile example of docs/PROTOCOL.md §7.4: the
// messages are rebuilt from the example's items with the generated code,
// the fingerprints from the definition, and the hex must appear in the doc.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ItemListSchema,
  type ReconcileRange,
  ReconcileRangeSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "./index.js";
import { validateReconcileRequest } from "./validate/index.js";

const doc = readFileSync(
  resolve(dirname(fileURLToPath(import.meta.url)), "../../../docs/PROTOCOL.md"),
  "utf8",
);
// The doc's hex blocks, split at "# A -> B"-style lines, with "#"
// annotations and whitespace removed.
const docHex = [...doc.matchAll(/```text\n([\s\S]*?)```/g)].flatMap((m) =>
  (m[1] as string).split(/^# [AB] -> [AB]$/m).map((block) =>
    block
      .split("\n")
      .map((line) => line.replace(/#.*$/, ""))
      .join("")
      .replace(/[^0-9a-f]/g, ""),
  ),
);

const id = (first: number) => {
  const b = new Uint8Array(16);
  b[0] = first;
  return b;
};
const h = (first: number, seq: bigint) => {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(seq);
  return new Uint8Array(
    createHash("sha256")
      .update(Buffer.concat([id(first), seqBytes]))
      .digest()
      .subarray(0, 16),
  );
};
const add = (a: Uint8Array, b: Uint8Array) => {
  const n =
    (BigInt(`0x${Buffer.from(a).toString("hex")}`) +
      BigInt(`0x${Buffer.from(b).toString("hex")}`)) %
    2n ** 128n;
  return new Uint8Array(Buffer.from(n.toString(16).padStart(32, "0"), "hex"));
};
const fp = (upper: number | undefined, value: Uint8Array) =>
  create(ReconcileRangeSchema, {
    upperBound: bound(upper),
    payload: { case: "fingerprint", value },
  });
const skip = (upper: number) =>
  create(ReconcileRangeSchema, {
    upperBound: bound(upper),
    payload: { case: "skip", value: true },
  });
const items = (upper: number | undefined, ids: number[], seqs: bigint[]) =>
  create(ReconcileRangeSchema, {
    upperBound: bound(upper),
    payload: {
      case: "items",
      value: create(ItemListSchema, { ids: Buffer.concat(ids.map(id)), seqs }),
    },
  });
const skipEnd = () =>
  create(ReconcileRangeSchema, {
    upperBound: new Uint8Array(0),
    payload: { case: "skip", value: true },
  });
const bound = (upper: number | undefined) =>
  upper === undefined ? new Uint8Array(0) : Uint8Array.of(upper);
const reqHex = (ranges: ReconcileRange[]) =>
  Buffer.from(
    toBinary(ReconcileRequestSchema, create(ReconcileRequestSchema, { ranges })),
  ).toString("hex");
const resHex = (ranges: ReconcileRange[]) =>
  Buffer.from(
    toBinary(ReconcileResponseSchema, create(ReconcileResponseSchema, { ranges })),
  ).toString("hex");

describe("PROTOCOL.md §7.4 worked example", () => {
  const round1 = [fp(0x90, add(h(0x10, 1n), h(0x20, 2n))), fp(undefined, h(0x90, 5n))];
  const reply1 = [
    fp(0x20, h(0x10, 1n)),
    fp(0x90, h(0x20, 3n)),
    fp(0xa0, h(0x90, 5n)),
    fp(undefined, h(0xa0, 4n)),
  ];
  const round2 = [skip(0x20), items(0x90, [0x20], [2n]), skip(0xa0), items(undefined, [], [])];
  const reply2 = [
    skip(0x20),
    items(0x90, [0x20], [3n]),
    skip(0xa0),
    items(undefined, [0xa0], [4n]),
  ];

  it("round 1 fingerprint of [empty, 90) is the documented sum", () => {
    expect(Buffer.from(add(h(0x10, 1n), h(0x20, 2n))).toString("hex")).toBe(
      "9f7cae457b362625e75804ef297c4a66",
    );
  });

  it("every message's bytes are the documented hex", () => {
    expect(docHex).toContain(reqHex(round1));
    expect(docHex).toContain(resHex(reply1));
    expect(docHex).toContain(reqHex(round2));
    expect(docHex).toContain(resHex(reply2));
  });

  it("examples B and C (RECONCILE-SPEC vectors) are the documented hex", () => {
    const x = (b: number) => new Uint8Array(16).fill(b);
    const hx = (b: number, seq: bigint) => {
      const seqBytes = Buffer.alloc(8);
      seqBytes.writeBigUInt64BE(seq);
      return new Uint8Array(
        createHash("sha256")
          .update(Buffer.concat([x(b), seqBytes]))
          .digest()
          .subarray(0, 16),
      );
    };
    const list = (
      upper: number | undefined,
      ids: number[],
      seqs: bigint[],
      needed: number[] = [],
    ) =>
      create(ReconcileRangeSchema, {
        upperBound: bound(upper),
        payload: {
          case: "items",
          value: create(ItemListSchema, {
            ids: Buffer.concat(ids.map(x)),
            seqs,
            neededIds: Buffer.concat(needed.map(x)),
          }),
        },
      });
    // Example B: one full listing, one diff reply.
    expect(docHex).toContain(reqHex([list(undefined, [1, 2, 3], [1n, 1n, 2n])]));
    expect(docHex).toContain(resHex([list(undefined, [2, 4], [3n, 1n], [3])]));
    // Example C.
    const concatHex = (...parts: string[]) => parts.join("");
    expect(docHex).toContain(
      reqHex([fp(0x03, add(hx(1, 1n), hx(2, 1n))), fp(undefined, hx(3, 2n))]),
    );
    expect(docHex).toContain(
      concatHex(resHex([fp(0x02, hx(1, 1n)), fp(0x03, hx(2, 3n)), list(undefined, [4], [1n])])),
    );
    expect(docHex).toContain(reqHex([skip(0x02), list(0x03, [2], [1n]), skipEnd()]));
    expect(docHex).toContain(resHex([skip(0x02), list(0x03, [2], [3n]), skipEnd()]));
  });

  it("the example's requests are valid", () => {
    const libraryId = new Uint8Array(16).fill(0xaa);
    const base = {
      libraryId,
      deviceId: new Uint8Array(16).fill(0xbb),
      stream: { origin: new Uint8Array(16).fill(0xcc), resource: 4 },
    };
    for (const ranges of [round1, round2]) {
      const r = validateReconcileRequest(create(ReconcileRequestSchema, { ...base, ranges }), {
        libraryId,
      });
      expect(r.ok).toBe(true);
    }
  });
});
