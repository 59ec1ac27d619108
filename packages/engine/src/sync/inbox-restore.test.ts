// Realtime batches a receiver holds for a gap belong to the chain their
// origin was writing when it pushed them. An origin restored from a backup
// taken before the stream existed lists no such stream in its exchange, and
// will hand the same seqs out again: the held batches must be dropped then,
// or a later drain applies the old incarnation's changes over the new chain.
import { AckStatus, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import {
  entryStream,
  pushBatch,
  replicaNet,
  SEED_LOCATION,
  until,
} from "../../test/replica-net.js";
import type { Replica } from "../replica-api.js";
import type { CommittedBatch } from "../store/store-api.js";
import { entryWrite, locationWrite, testId, volumeWrite } from "../store/testing.js";
import { testIdentity } from "../testing/identity.js";

const LIBRARY = "3f".repeat(16);
const net = replicaNet({ libraryId: LIBRARY, tmpPrefix: "inbox-restore" });

/** Commits one entry named `name` under the seed location; returns its entry batch. */
function commitEntry(r: Replica, n: number, name: string): CommittedBatch {
  const batches = r.commit([entryWrite(testId(n, 0x3f), SEED_LOCATION, undefined, name)]);
  const entry = batches.find((b) => b.stream.resource === Resource.ENTRY);
  if (entry === undefined) throw new Error("no entry batch");
  return entry;
}

/** Pushes `batch` to `to` as its origin `from` would. */
const push = (to: Replica, from: Replica, batch: CommittedBatch) =>
  pushBatch(to, { from, libraryId: LIBRARY, originKey: testIdentity("a").signer.publicKey }, batch);

const sameBytes = (x: Uint8Array | undefined, y: Uint8Array | undefined) =>
  x !== undefined && y !== undefined && Buffer.from(x).equals(Buffer.from(y));

const heldChanges = (r: Replica) =>
  r.metrics().values[`tidemark_pending_buffer_changes{device="${r.deviceId}",stream="all"}`];

describe("held realtime batches of a restored origin", () => {
  test("are dropped when the restored origin lists no such stream, never drained over its new chain", async () => {
    // A writes entries 1-3 alone; B receives only the push of seq 3 (a gap) and holds it.
    const a = net.replica("a");
    a.start();
    const volume = testId(1, 0x3f);
    a.commit([volumeWrite(volume), locationWrite(SEED_LOCATION, volume)]);
    commitEntry(a, 100, "old-1");
    commitEntry(a, 101, "old-2");
    const third = commitEntry(a, 102, "old-3");
    expect(third.prevSeq).toBe(2n);
    const b = net.replica("b");
    b.start();
    b.addPeer(a.deviceId);
    expect(await push(b, a, third)).toBe(AckStatus.GAP);
    expect(heldChanges(b)).toBe(1);

    // A is restored from a backup taken before it wrote anything: same device, empty store.
    a.close();
    const restored = net.replica("a");
    restored.addPeer(b.deviceId);
    restored.start();
    restored.peerConnected(b.deviceId);
    b.peerConnected(restored.deviceId);
    await until(() => b.status().peers[0]?.lastExchangeAt !== undefined);
    await until(() => heldChanges(b) === 0, 2_000);
    expect(heldChanges(b)).toBe(0);

    // Its new chain reuses seqs 1-3 with other rows. Once B holds seqs 1-2
    // of it, the old seq 3 would continue B's chain: it must not be there.
    restored.commit([volumeWrite(volume), locationWrite(SEED_LOCATION, volume)]);
    commitEntry(restored, 200, "new-1");
    commitEntry(restored, 201, "new-2");
    await until(() => (entryStream(b, restored)?.cursor ?? 0n) >= 2n);
    commitEntry(restored, 202, "new-3");
    await until(() => {
      const theirs = entryStream(b, restored);
      return theirs?.cursor === 3n && sameBytes(theirs.fingerprint, mine()?.fingerprint);
    }, 3_000);
    const theirs = entryStream(b, restored);
    expect(theirs?.cursor).toBe(3n);
    expect(theirs?.fingerprint).toEqual(mine()?.fingerprint);
    function mine() {
      return entryStream(restored, restored);
    }
  }, 30_000);
});
