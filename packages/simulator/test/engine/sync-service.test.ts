// The SyncService handlers, called through the simulated network's client
// (encoded and decoded like on the wire). Moved from
// packages/engine/src/service/sync-service.test.ts.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type CommittedBatch, idFromHex, toStreamId } from "@tidemark/engine";
import {
  AckStatus,
  type BackfillResponse,
  HelloRequestSchema,
  PageStatus,
  PushChangesRequestSchema,
  Resource,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { deviceIdOf, devicePublicKeyOf, LIBRARY_ID } from "../../src/ids.js";
import { cluster, settled } from "./setup.js";

async function setup(config = {}) {
  const c = cluster({ seed: 51, config });
  const a = await c.open(0);
  const b = await c.open(1);
  const ix = new TreeIndexer(c, 0);
  return { c, a, b, ix, A: c.id(0), B: c.id(1), client: c.client(0, 1) };
}

/** A push of device `from`'s committed batches, carrying its public key (PROTOCOL.md §16). */
function push(from: string, batches: readonly CommittedBatch[]) {
  const index = [0, 1, 2, 3].find((i) => deviceIdOf(i) === from) ?? -1;
  return create(PushChangesRequestSchema, {
    libraryId: idFromHex(LIBRARY_ID),
    deviceId: idFromHex(from),
    batches: batches.map((b) => ({
      stream: toStreamId(b.stream),
      prevSeq: b.prevSeq,
      changes: [...b.changes],
      originKey: devicePublicKeyOf(index),
    })),
  });
}

describe("PushChanges", () => {
  test("a duplicate batch is acknowledged and changes nothing", async () => {
    const { c, a, b, A, client } = await setup();
    let committed: CommittedBatch[] = [];
    const ix = new TreeIndexer(c, 0, (w) => (committed = a.commit(w)));
    ix.init();
    const first = await settled(c, client.pushChanges(push(A, committed)));
    const entries = { origin: A, resource: Resource.ENTRY };
    const before = b.store.streamState(entries);
    const again = await settled(c, client.pushChanges(push(A, committed)));
    expect(first.acks.map((x) => x.status)).toEqual(committed.map(() => AckStatus.APPLIED));
    expect(again.acks.map((x) => x.status)).toEqual(committed.map(() => AckStatus.APPLIED));
    expect(again.acks.map((x) => x.cursor)).toEqual(first.acks.map((x) => x.cursor));
    expect(b.store.streamState(entries)).toEqual(before);
    c.close();
  });

  test("gap: the batch is held, then applied when the missing one arrives; duplicates are no-ops", async () => {
    const { c, a, b, A, client } = await setup();
    const captured: CommittedBatch[][] = [];
    const ix = new TreeIndexer(
      c,
      0,
      (w) => captured[captured.push(a.commit(w)) - 1] as CommittedBatch[],
    );
    ix.init();
    ix.index(10);
    ix.index(10);
    const [init, first, second] = captured as [
      CommittedBatch[],
      CommittedBatch[],
      CommittedBatch[],
    ];
    expect(
      (await settled(c, client.pushChanges(push(A, init)))).acks.every(
        (x) => x.status === AckStatus.APPLIED,
      ),
    ).toBe(true);
    const gap = await settled(c, client.pushChanges(push(A, second)));
    expect(gap.acks.map((x) => x.status)).toEqual([AckStatus.GAP]);
    expect(b.metricsRegistry.sum("tidemark_gap_events_total")).toBe(1);
    const ok = await settled(c, client.pushChanges(push(A, first)));
    expect(ok.acks.map((x) => x.status)).toEqual([AckStatus.APPLIED]);
    const entries = { origin: A, resource: Resource.ENTRY };
    // A's changes are unconfirmed (A never heard from B): its head, not its cursor.
    expect(b.store.streamState(entries)?.cursor).toBe(a.store.streamState(entries)?.headSeq);
    const dup = await settled(c, client.pushChanges(push(A, first)));
    expect(dup.acks[0]?.status).toBe(AckStatus.APPLIED);
    expect(b.store.streamState(entries)?.liveCount).toBe(21n);
    c.close();
  });

  test("a full pending buffer drops the batch and says so", async () => {
    const { c, a, b, A, client } = await setup({ pendingBufferMax: 5 });
    const captured: CommittedBatch[][] = [];
    const ix = new TreeIndexer(
      c,
      0,
      (w) => captured[captured.push(a.commit(w)) - 1] as CommittedBatch[],
    );
    ix.init();
    ix.index(10);
    const res = await settled(c, client.pushChanges(push(A, captured[1] as CommittedBatch[])));
    expect(res.acks.map((x) => x.status)).toEqual([AckStatus.DROPPED]);
    expect(b.metricsRegistry.sum("tidemark_realtime_dropped_total")).toBe(10);
    c.close();
  });

  test("a batch for a stream the caller does not originate is refused as invalid", async () => {
    const { c, b, A, B, client } = await setup();
    const foreign = create(PushChangesRequestSchema, {
      libraryId: idFromHex(LIBRARY_ID),
      deviceId: idFromHex(A),
      batches: [{ stream: toStreamId({ origin: B, resource: Resource.VOLUME }), changes: [] }],
    });
    await expect(settled(c, client.pushChanges(foreign))).rejects.toSatisfy(
      (e) => e instanceof ConnectError && e.code === Code.InvalidArgument,
    );
    expect(b.isIdle()).toBe(true);
    c.close();
  });
});

describe("Hello", () => {
  test("another library is refused with PermissionDenied", async () => {
    const { c, A, client } = await setup();
    const req = create(HelloRequestSchema, {
      libraryId: idFromHex("0190ffff000070008000000000000009"),
      deviceId: idFromHex(A),
      protocolVersion: 1,
      deviceName: "x",
    });
    await expect(settled(c, client.hello(req))).rejects.toSatisfy(
      (e) => e instanceof ConnectError && e.code === Code.PermissionDenied,
    );
    c.close();
  });
});

describe("Backfill", () => {
  test("serves pages in seq order, FK order across streams, done with complete_through = cursor", async () => {
    const { c, a, ix, A, B } = await setup();
    ix.init();
    ix.index(1000);
    // A serves its own new changes once it has heard from its peer (§3.7).
    c.connectAll();
    await c.settle();
    const client = c.client(1, 0);
    const streams = [Resource.ENTRY, Resource.VOLUME, Resource.LOCATION].map((r) => ({
      stream: toStreamId({ origin: A, resource: r }),
    }));
    const pages: BackfillResponse[] = [];
    await settled(
      c,
      (async () => {
        for await (const p of client.backfill({
          libraryId: idFromHex(LIBRARY_ID),
          deviceId: idFromHex(B),
          streams,
          maxChangesPerPage: 300,
        }))
          pages.push(p);
      })(),
    );
    expect(pages.map((p) => p.stream?.resource)).toEqual([
      Resource.VOLUME,
      Resource.LOCATION,
      Resource.ENTRY,
      Resource.ENTRY,
      Resource.ENTRY,
      Resource.ENTRY,
    ]);
    const entryPages = pages.filter((p) => p.stream?.resource === Resource.ENTRY);
    const seqs = entryPages.flatMap((p) => p.changes.map((x) => x.seq));
    expect(seqs).toEqual([...seqs].sort((x, y) => (x < y ? -1 : 1)));
    expect(seqs).toHaveLength(1001);
    expect(entryPages.map((p) => p.streamDone)).toEqual([false, false, false, true]);
    expect(entryPages.at(-1)?.completeThrough).toBe(
      a.store.streamState({ origin: A, resource: Resource.ENTRY })?.cursor,
    );
    expect(pages.every((p) => p.status === PageStatus.OK)).toBe(true);
    c.close();
  });
});
