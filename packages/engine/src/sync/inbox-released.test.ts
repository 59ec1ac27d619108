// Every realtime change the inbox holds back leaves its buffer counted by
// how it left (tidemark_realtime_released_total{outcome}), so held minus
// released is what is still held: a held change never vanishes unsaid.
import { AckStatus, type Change, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { pushBatch, replicaNet, SEED_LOCATION } from "../../test/replica-net.js";
import type { Replica } from "../replica-api.js";
import type { CommittedBatch } from "../store/store-api.js";
import { entryWrite, locationWrite, testId, volumeWrite } from "../store/testing.js";
import { testIdentity } from "../testing/identity.js";
import { streamKeyString } from "./ids.js";

const LIBRARY = "5e".repeat(16);
const net = replicaNet({ libraryId: LIBRARY, tmpPrefix: "inbox-released" });

/** A's first three entry batches (seqs 1, 2, 3), and B, which has heard nothing of A. */
function setUp(): { a: Replica; b: Replica; entries: CommittedBatch[] } {
  const a = net.replica("a");
  const b = net.replica("b");
  a.commit([volumeWrite(testId(1, 0x5e)), locationWrite(SEED_LOCATION, testId(1, 0x5e))]);
  const entries = [1, 2, 3].map((n) => {
    const batches = a.commit([
      entryWrite(testId(100 + n, 0x5e), SEED_LOCATION, undefined, `f-${n}`),
    ]);
    const entry = batches.find((x) => x.stream.resource === Resource.ENTRY);
    if (entry === undefined) throw new Error("no entry batch");
    return entry;
  });
  return { a, b, entries };
}

/** Pushes `changes` of `batch`'s stream after `prevSeq` to `to`, as `from` (the origin) would. */
function push(
  to: Replica,
  from: Replica,
  batch: CommittedBatch,
  changes: readonly Change[],
  prevSeq: bigint | undefined,
) {
  const originKey = testIdentity("a").signer.publicKey;
  return pushBatch(to, { from, libraryId: LIBRARY, originKey }, { ...batch, changes, prevSeq });
}

/** B's held-change account of `batch`'s stream. */
function account(b: Replica, batch: CommittedBatch) {
  const v = b.metrics().values;
  const device = `device="${b.deviceId}"`;
  const stream = `stream="${streamKeyString(batch.stream)}"`;
  const released = (outcome: string) =>
    v[`tidemark_realtime_released_total{${device},outcome="${outcome}",${stream}}`] ?? 0;
  return {
    held: v[`tidemark_realtime_held_total{${device},${stream}}`] ?? 0,
    applied: released("applied"),
    stale: released("stale"),
    holding: v[`tidemark_pending_buffer_changes{${device},${stream}}`] ?? 0,
  };
}

describe("held realtime changes leave the buffer counted", () => {
  test("a batch held for a gap and drained once the gap fills counts as applied", async () => {
    const { a, b, entries } = setUp();
    const [first, second, third] = entries as [CommittedBatch, CommittedBatch, CommittedBatch];
    expect(await push(b, a, third, third.changes, 2n)).toBe(AckStatus.GAP);
    expect(account(b, third)).toEqual({ held: 1, applied: 0, stale: 0, holding: 1 });
    expect(await push(b, a, first, [...first.changes, ...second.changes], undefined)).toBe(
      AckStatus.APPLIED,
    );
    expect(account(b, third)).toEqual({ held: 1, applied: 1, stale: 0, holding: 0 });
  });

  test("a held batch another batch already brought counts as stale", async () => {
    const { a, b, entries } = setUp();
    const [first, second, third] = entries as [CommittedBatch, CommittedBatch, CommittedBatch];
    expect(await push(b, a, third, third.changes, 2n)).toBe(AckStatus.GAP);
    const all = [...first.changes, ...second.changes, ...third.changes];
    expect(await push(b, a, first, all, undefined)).toBe(AckStatus.APPLIED);
    expect(account(b, third)).toEqual({ held: 1, applied: 0, stale: 1, holding: 0 });
  });
});
