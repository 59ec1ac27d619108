// Only a Backfill request's own after_seq is judged against the tombstone
// horizon (PROTOCOL.md §5.2 BF-2, BF-17: a BELOW_HORIZON page is a stream's
// only page). The responder used to judge each page's resume point, so a
// caller pulling a pruned stream from the start got an OK page, then
// BELOW_HORIZON — malformed — and stayed pulling for good (simulator
// scenario pruned-stream-joiner). A real replica on a SQLite file, served
// through Connect's router transport.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { PageStatus, Resource, SyncService } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import type { Ports } from "../ports.js";
import { openReplica } from "../replica.js";
import type { Replica } from "../replica-api.js";
import { idFromHex, toStreamId } from "../store/ids.js";
import {
  entryWrite,
  locationWrite,
  testId,
  tombstoneWrite,
  volumeWrite,
} from "../store/testing.js";
import { testIdentity } from "../testing/identity.js";

const LIBRARY = "0e".repeat(16);
const dirs: string[] = [];
const replicas: Replica[] = [];
afterEach(() => {
  for (const r of replicas.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ports: Ports = {
  clock: { now: () => 1_700_000_000_000, monotonic: () => 0 },
  timers: { set: () => ({ id: 0 }), cancel: () => {} },
  random: { next: () => 0.5 },
  logger: { log: () => {} },
  transport: {
    client: () => {
      throw new Error("this test only serves");
    },
  },
};

/** An origin with 20 entries, the first five deleted and their tombstones pruned. */
function prunedOrigin(): { origin: Replica; horizon: bigint } {
  const dir = mkdtempSync(join(tmpdir(), "tidemark-horizon-"));
  dirs.push(dir);
  const origin = openReplica({
    db: new Database(join(dir, "replica.db")),
    ...testIdentity("origin"),
    libraryId: LIBRARY,
    deviceName: "origin",
    ports,
    callers: "claimed",
  });
  replicas.push(origin);
  origin.start();
  const VOL = testId(1, 0x20);
  const LOC = testId(2, 0x20);
  origin.commit([volumeWrite(VOL), locationWrite(LOC, VOL)]);
  const ids = Array.from({ length: 20 }, (_, i) => testId(100 + i, 0x20));
  origin.commit(ids.map((id, i) => entryWrite(id, LOC, undefined, `e${i}`)));
  origin.commit(ids.slice(0, 5).map((id) => tombstoneWrite(Resource.ENTRY, id)));
  const stream = { origin: origin.deviceId, resource: Resource.ENTRY };
  const horizon = origin.store.streamState(stream)?.cursor ?? 0n;
  expect(origin.store.pruneTombstones(stream, horizon)).toBe(5);
  return { origin, horizon };
}

async function backfill(origin: Replica, afterSeq: bigint | undefined) {
  const caller = testIdentity("caller").deviceId;
  origin.addPeer(caller);
  const client = createClient(
    SyncService,
    createRouterTransport(({ service }) => service(SyncService, origin.service)),
  );
  const pages = [];
  const stream = toStreamId({ origin: origin.deviceId, resource: Resource.ENTRY });
  for await (const page of client.backfill({
    libraryId: idFromHex(LIBRARY),
    deviceId: idFromHex(caller),
    streams: [{ stream, afterSeq }],
    maxChangesPerPage: 4,
  }))
    pages.push(page);
  return pages;
}

describe("Backfill and the tombstone horizon", () => {
  test("a-pull-from-the-start-of-a-pruned-stream-is-served-whole-page-after-page", async () => {
    const { origin, horizon } = prunedOrigin();
    const pages = await backfill(origin, undefined);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((p) => p.status)).toEqual(pages.map(() => PageStatus.OK));
    expect(pages.at(-1)?.streamDone).toBe(true);
    expect(pages.at(-1)?.completeThrough).toBe(horizon);
    // The 15 live entries, each once, in seq order; no pruned tombstone.
    const seqs = pages.flatMap((p) => p.changes.map((c) => c.seq));
    expect(seqs).toHaveLength(15);
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
  }, 30_000);

  test("a request below the horizon gets one BELOW_HORIZON page", async () => {
    const { origin, horizon } = prunedOrigin();
    const pages = await backfill(origin, 1n);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({
      status: PageStatus.BELOW_HORIZON,
      tombstoneHorizon: horizon,
      streamDone: true,
    });
  }, 30_000);
});
