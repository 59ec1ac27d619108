import { create } from "@bufbuild/protobuf";
import { type Change, ChangeSchema, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { CommittedBatch } from "../store/store-api.js";
import { streamKeyFromId } from "./ids.js";
import { chunk, merge } from "./outbox.js";

const origin = "0190000100007000800000000000000a";
const change = (seq: number): Change =>
  create(ChangeSchema, { rowId: new Uint8Array(16), seq: BigInt(seq) });
const batch = (resource: Resource, from: number, to: number): CommittedBatch => ({
  stream: { origin, resource },
  prevSeq: from === 1 ? undefined : BigInt(from - 1),
  changes: Array.from({ length: to - from + 1 }, (_, i) => change(from + i)),
  provisional: false,
});

describe("realtime batching", () => {
  test("merge joins consecutive commits of a stream and keeps prev_seq", () => {
    const merged = merge([
      batch(Resource.ENTRY, 1, 3),
      batch(Resource.TAG, 1, 1),
      batch(Resource.ENTRY, 4, 6),
    ]);
    expect(
      merged.map((b) => [streamKeyFromId(b.stream).resource, b.prevSeq, b.changes.length]),
    ).toEqual([
      [Resource.ENTRY, undefined, 6],
      [Resource.TAG, undefined, 1],
    ]);
  });

  test("chunk splits at the change limit and each piece names the seq before it", () => {
    const requests = chunk(merge([batch(Resource.ENTRY, 1, 250)]), 100);
    expect(requests.map((r) => r.map((b) => [b.prevSeq, b.changes.length]))).toEqual([
      [[undefined, 100]],
      [[100n, 100]],
      [[200n, 50]],
    ]);
  });

  test("chunk respects the per-request batch limit", () => {
    const many = Array.from({ length: 70 }, () => batch(Resource.ENTRY, 1, 1)).map((b, i) => ({
      ...b,
      stream: {
        origin: `${origin.slice(0, 30)}${(i + 16).toString(16)}`,
        resource: Resource.ENTRY,
      },
    }));
    const requests = chunk(merge(many), 1000);
    expect(requests.map((r) => r.length)).toEqual([64, 6]);
  });
});
