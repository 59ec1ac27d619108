// One regression test per attack of issue 14's first paragraph, each named
// after it, on real peers (PeerNode + the product's mutual-TLS HTTP/2
// listener on 127.0.0.1): the attack is replayed as a paired device could
// send it — over TLS with its own certificate, naming itself — then the
// victim must be within its bounds, answer Hello, and still converge with
// its honest peer. Attacks found as "a caller claiming another device's
// id" (h2c, ids believed) are replayed both ways: from the paired attacker
// as itself, and naming the other device, which must be refused
// (DEVICE_MISMATCH, AU-2) with nothing changed.
import { randomBytes } from "node:crypto";
import { connect as netConnect, type Socket } from "node:net";
import { type ConnectionOptions, connect as tlsConnect } from "node:tls";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { SyncClient } from "@tidemark/engine";
import {
  AckStatus,
  type BackfillResponse,
  BackfillResponseSchema,
  type Change,
  ChangeSchema,
  EntryKind,
  EntrySchema,
  ErrorDetailSchema,
  ErrorReason,
  ExchangeWatermarksResponseSchema,
  LocationSchema,
  MAX_STREAMS_PER_MESSAGE,
  PageStatus,
  Resource,
  type StreamWatermark,
  StreamWatermarkSchema,
  SyncService,
  TagSchema,
  TombstoneSchema,
  VolumeSchema,
} from "@tidemark/protocol";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { waitFor } from "../../src/demo/processes.js";
import { fromHex, toHex, uuidv7 } from "../../src/ids.js";
import { TLS_SETTINGS } from "../../src/net/pinned-tls.js";
import type { WireProtocol } from "../../src/net/wire-errors.js";
import {
  converged,
  type InProcessPeer,
  indexTree,
  metric,
  pair,
  streamLines,
} from "../support/in-process-peer.js";
import { CONTENT_TYPE, envelope, errorOf, rawPost } from "../support/raw-h2.js";
import { type TestDevice, testDevice } from "../support/signing.js";
import { clientAs, credentialsOf, pairCaller, rawTlsAs } from "../support/tls-caller.js";
import { peerStarter, type StartOptions } from "./peers.js";

const { start, closeKeepingData } = peerStarter();

/** A device paired with `victim` that it never dials: its key signs, its certificate calls. */
async function pairedAttacker(
  victim: InProcessPeer,
  label: string,
): Promise<{ device: TestDevice; client: SyncClient }> {
  const device = testDevice(label);
  return { device, client: await pairCaller(victim, device) };
}

/**
 * A real peer paired both ways with `victim` (it answers the victim's
 * pulls, honestly), whose certificate the test also sends crafted calls
 * with: a compromised device that still runs.
 */
async function compromisedPeer(
  victim: InProcessPeer,
): Promise<{ peer: InProcessPeer; id: Uint8Array; client: SyncClient }> {
  const peer = await start("attacker", { libraryId: victim.libraryId });
  pair(victim, peer);
  return { peer, id: fromHex(peer.deviceId), client: clientAs(victim, credentialsOf(peer)) };
}

/** What a call threw; it must throw. */
async function refusalOf(call: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await call();
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call was answered; it must be refused");
}

/** A victim and an honest peer of one library, paired, with a few files each, in sync. */
async function victimAndHonest(victimOpts: StartOptions = {}) {
  const victim = await start("victim", victimOpts);
  const honest = await start("honest", { libraryId: victim.libraryId });
  pair(victim, honest);
  await indexTree(victim, "v", 30);
  await indexTree(honest, "h", 30);
  await converged([victim, honest], [victim.deviceId, honest.deviceId]);
  return { victim, honest };
}

/** The honest peer writes more; both must hold it: sync still works. */
async function stillSyncs(victim: InProcessPeer, honest: InProcessPeer, name: string) {
  await indexTree(honest, name, 10);
  await indexTree(victim, `${name}-v`, 10);
  return converged([victim, honest], [victim.deviceId, honest.deviceId], 120_000);
}

/** tidemark_limit_breaches_total{limit} of a peer's engine. */
function breaches(p: InProcessPeer, limit: string): number {
  return metric(p, "tidemark_limit_breaches_total", { limit });
}

function reasonOf(err: unknown): ErrorReason | undefined {
  return err instanceof ConnectError ? err.findDetails(ErrorDetailSchema)[0]?.reason : undefined;
}

function madeUpWatermarks(n: number): StreamWatermark[] {
  return Array.from({ length: n }, () =>
    create(StreamWatermarkSchema, {
      stream: { origin: randomBytes(16), resource: Resource.ENTRY },
      cursor: 5n,
      liveCount: 3n,
      fingerprint: randomBytes(16),
    }),
  );
}

function entryChange(
  seq: bigint,
  fields: { location: Uint8Array; parent?: Uint8Array; id?: Uint8Array; name?: string },
): Change {
  return create(ChangeSchema, {
    rowId: fields.id ?? uuidv7(),
    seq,
    body: {
      case: "entry",
      value: create(EntrySchema, {
        locationId: fields.location,
        name: fields.name ?? "x",
        kind: EntryKind.FILE,
        ...(fields.parent === undefined ? {} : { parentId: fields.parent }),
      }),
    },
  });
}

// Real peers over HTTP/2 doing CPU-bound work (8192-stream messages, SQLite):
// ~10 s alone, 6x that when the machine is shared. A bound, not a timing assertion.
const SLOW_TEST_MS = 240_000;

describe("issue 14 attacks", () => {
  test(
    "forged-watermarks-16384-junk-streams-break-sync",
    async () => {
      const { victim, honest } = await victimAndHonest();
      const attacker = await compromisedPeer(victim);
      await converged([victim, honest, attacker.peer], [victim.deviceId, honest.deviceId]);
      const library = fromHex(victim.libraryId);
      const before = victim.node.replica.status().streams.length;
      // Two requests of 8192 made-up streams each, from a paired device as itself...
      for (let i = 0; i < 2; i++) {
        await attacker.client.exchangeWatermarks({
          libraryId: library,
          deviceId: attacker.id,
          watermarks: madeUpWatermarks(MAX_STREAMS_PER_MESSAGE),
        });
      }
      // ...and naming the honest peer, which its certificate does not prove.
      await victim.node.replica.idle();
      const unchanged = streamLines(victim);
      const forged = await refusalOf(() =>
        attacker.client.exchangeWatermarks({
          libraryId: library,
          deviceId: fromHex(honest.deviceId),
          watermarks: madeUpWatermarks(MAX_STREAMS_PER_MESSAGE),
        }),
      );
      expect(reasonOf(forged)).toBe(ErrorReason.DEVICE_MISMATCH);
      await victim.node.replica.idle();
      expect(victim.node.replica.status().streams.length).toBe(before);
      expect(streamLines(victim)).toEqual(unchanged);
      const reply = await attacker.client.exchangeWatermarks({
        libraryId: library,
        deviceId: attacker.id,
        watermarks: [],
      });
      expect(reply.watermarks.length).toBe(before);
      await stillSyncs(victim, honest, "after");
    },
    SLOW_TEST_MS,
  );

  test(
    "junk-streams-from-an-earlier-version-are-repaired-at-open",
    async () => {
      const { victim, honest } = await victimAndHonest();
      const dataDir = victim.dataDir;
      const { libraryId } = victim;
      await closeKeepingData(victim);
      // What an earlier version left: stream rows holding nothing, pulling.
      const db = new Database(`${dataDir}/tidemark.db`);
      const insert = db.prepare(
        "INSERT INTO stream (origin, resource, cursor, live_count, fingerprint, pulling) VALUES (?, 4, NULL, 0, ?, 1)",
      );
      db.transaction(() => {
        for (let i = 0; i < MAX_STREAMS_PER_MESSAGE + 100; i++)
          insert.run(randomBytes(16), Buffer.alloc(16));
      })();
      db.close();
      const reopened = await start("victim", { libraryId, dataDir });
      expect(reopened.node.replica.status().streams.length).toBeLessThan(20);
      pair(reopened, honest);
      await stillSyncs(reopened, honest, "repaired");
    },
    SLOW_TEST_MS,
  );

  test(
    "gap-batches-held-without-a-byte-limit",
    async () => {
      const perPeer = 256 * 1024;
      const { victim, honest } = await victimAndHonest({
        bounds: { heldRealtimeBytesPerPeer: perPeer, heldRealtimeBytes: 4 * perPeer },
      });
      const library = fromHex(victim.libraryId);
      const gapBatch = (device: TestDevice, prevSeq: bigint) =>
        device.signed(library, [
          {
            stream: { origin: device.id, resource: Resource.ENTRY },
            prevSeq,
            changes: Array.from({ length: 20 }, (_, k) =>
              entryChange(prevSeq + 1n + BigInt(k), { location: uuidv7(), name: "n".repeat(1000) }),
            ),
          },
        ]);
      // Made-up devices nobody paired: refused at the gate, nothing held.
      for (let i = 0; i < 5; i++) {
        const device = testDevice(`gap-${i}`);
        const client = clientAs(victim, await device.credentials());
        const err = await refusalOf(() =>
          client.pushChanges({
            libraryId: library,
            deviceId: device.id,
            batches: gapBatch(device, 1000n),
          }),
        );
        expect(reasonOf(err)).toBe(ErrorReason.NOT_PAIRED);
      }
      expect(metric(victim, "tidemark_held_realtime_bytes")).toBe(0);
      // A paired device's batches after gaps: every one would be held.
      const attacker = await pairedAttacker(victim, "gaps");
      let heldBytes = 0;
      for (let i = 0; i < 40; i++) {
        const batches = gapBatch(attacker.device, 1000n + BigInt(i) * 100n);
        const res = await attacker.client.pushChanges({
          libraryId: library,
          deviceId: attacker.device.id,
          batches,
        });
        const status = res.acks[0]?.status;
        if (status === AckStatus.GAP || status === AckStatus.HELD) {
          const changes = batches[0]?.changes ?? [];
          heldBytes += changes.reduce((n, c) => n + toBinary(ChangeSchema, c).length, 0);
        }
      }
      // Held bytes stay under the peer's budget.
      expect(heldBytes).toBeLessThanOrEqual(perPeer);
      expect(metric(victim, "tidemark_held_realtime_bytes")).toBeGreaterThan(0);
      expect(metric(victim, "tidemark_held_realtime_bytes")).toBeLessThanOrEqual(perPeer);
      expect(breaches(victim, "held-realtime-bytes-per-peer")).toBeGreaterThan(0);
      await stillSyncs(victim, honest, "after-gaps");
    },
    SLOW_TEST_MS,
  );

  test(
    "dependency-buffer-99k-rows-grow-the-db-on-victim-and-honest-peer",
    async () => {
      const rowsPerOrigin = 300;
      const { victim, honest } = await victimAndHonest({
        bounds: { dependencyRowsPerOrigin: rowsPerOrigin },
      });
      const library = fromHex(victim.libraryId);
      const { device, client } = await pairedAttacker(victim, "orphans");
      const origin = device.id;
      const stream = { origin, resource: Resource.ENTRY };
      let seq = 0n;
      let applied = 0;
      // Contiguous entries of the paired device, each under a parent that never comes.
      for (let i = 0; i < 12; i++) {
        const changes = Array.from({ length: 100 }, () =>
          entryChange(++seq, { location: uuidv7(), parent: uuidv7() }),
        );
        const res = await client.pushChanges({
          libraryId: library,
          deviceId: origin,
          batches: device.signed(library, [
            { stream, ...(seq > 100n ? { prevSeq: seq - 100n } : {}), changes },
          ]),
        });
        if (res.acks[0]?.status === AckStatus.APPLIED) applied += 100;
        else seq -= 100n; // refused whole: the next batch continues where it was
      }
      expect(applied).toBeLessThanOrEqual(rowsPerOrigin);
      expect(breaches(victim, "dependency-rows-per-origin")).toBeGreaterThan(0);
      await victim.node.replica.idle();
      const held = (p: InProcessPeer) => metric(p, "tidemark_dependency_buffer_rows");
      expect(held(victim)).toBe(applied);
      expect(held(victim)).toBeLessThanOrEqual(rowsPerOrigin);
      await stillSyncs(victim, honest, "after-orphans");
      expect(held(honest)).toBeLessThanOrEqual(rowsPerOrigin);
    },
    SLOW_TEST_MS,
  );

  test(
    "entry-that-is-its-own-parent-stuck-in-the-buffer-forever",
    async () => {
      const { victim, honest } = await victimAndHonest();
      const library = fromHex(victim.libraryId);
      const { device, client } = await pairedAttacker(victim, "self-parent");
      const origin = device.id;
      const [volume, location, self] = [uuidv7(), uuidv7(), uuidv7()];
      // The entry first (its location has not come yet), its own parent.
      const first = await client.pushChanges({
        libraryId: library,
        deviceId: origin,
        batches: device.signed(library, [
          {
            stream: { origin, resource: Resource.ENTRY },
            changes: [entryChange(1n, { id: self, location, parent: self })],
          },
        ]),
      });
      expect(first.acks[0]?.status).toBe(AckStatus.DROPPED);
      // Then its location: it must land (it used to fail on releasing the entry).
      const second = await client.pushChanges({
        libraryId: library,
        deviceId: origin,
        batches: device.signed(library, [
          {
            stream: { origin, resource: Resource.VOLUME },
            changes: [
              create(ChangeSchema, {
                rowId: volume,
                seq: 1n,
                body: { case: "volume", value: create(VolumeSchema, { name: "v" }) },
              }),
            ],
          },
          {
            stream: { origin, resource: Resource.LOCATION },
            changes: [
              create(ChangeSchema, {
                rowId: location,
                seq: 1n,
                body: {
                  case: "location",
                  value: create(LocationSchema, { volumeId: volume, path: "/x", name: "x" }),
                },
              }),
            ],
          },
        ]),
      });
      expect(second.acks.map((a) => a.status)).toEqual([AckStatus.APPLIED, AckStatus.APPLIED]);
      expect(metric(victim, "tidemark_dependency_buffer_rows")).toBe(0);
      await stillSyncs(victim, honest, "after-self-parent");
    },
    SLOW_TEST_MS,
  );

  test(
    "ten-concurrent-full-backfills-starve-hello",
    async () => {
      const victim = await start("victim");
      // Enough pages that an unread stream fills its flow-control window.
      await indexTree(victim, "big", 2_000);
      const { device, client } = await pairedAttacker(victim, "backfills");
      const library = fromHex(victim.libraryId);
      const caller = device.id;
      // Backfills that stay open: the caller reads one page and waits.
      const open: AbortController[] = [];
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const ac = new AbortController();
          open.push(ac);
          try {
            const pages = client.backfill(
              {
                libraryId: library,
                deviceId: caller,
                streams: [
                  { stream: { origin: fromHex(victim.deviceId), resource: Resource.ENTRY } },
                ],
                maxChangesPerPage: 1,
              },
              { signal: ac.signal },
            );
            // Read one page, keep the stream (returning would cancel it).
            const first = await pages[Symbol.asyncIterator]().next();
            return first.done === true ? "done" : "open";
          } catch (err) {
            return reasonOf(err) === ErrorReason.RATE_LIMITED ? "limited" : String(err);
          }
        }),
      );
      expect(outcomes.filter((o) => o === "open").length).toBe(4);
      expect(outcomes.filter((o) => o === "limited").length).toBe(6);
      // Answered while they stay open (starved, it would not be at all).
      const hello = await client.hello(
        { libraryId: library, deviceId: caller, protocolVersion: 1 },
        { timeoutMs: 10_000 },
      );
      expect(toHex(hello.deviceId)).toBe(victim.deviceId);
      for (const ac of open) ac.abort();
    },
    SLOW_TEST_MS,
  );

  test(
    "250-idle-http2-connections-stay-open",
    async () => {
      // Over TLS (found so): connections that never start a handshake were
      // held 120 s (Node's default), whatever the session idle bound.
      const victim = await start("victim", { limits: { sessionIdleMs: 500, tlsHandshakeMs: 500 } });
      const { port } = new URL(victim.url);
      const sockets: Socket[] = [];
      let closed = 0;
      await Promise.all(
        Array.from(
          { length: 250 },
          () =>
            new Promise<void>((resolve) => {
              const s = netConnect({ host: "127.0.0.1", port: Number(port) }, () => resolve());
              s.on("error", () => resolve());
              s.on("close", () => {
                closed++;
              });
              sockets.push(s);
            }),
        ),
      );
      // At most the per-address cap is accepted, and idle ones (that never
      // start a TLS handshake) are closed.
      await waitFor(
        "every connection closed",
        () => (closed === 250 ? true : undefined),
        10_000,
        50,
      );
      expect(victim.server.connections()).toBe(0);
      expect(
        metric(victim, "tidemark_server_limit_breaches_total", { limit: "tls-handshake" }),
      ).toBeGreaterThan(0);
      for (const s of sockets) s.destroy();
      // A paired device still gets in (its connection made after the flood).
      const { client } = await pairedAttacker(victim, "idle");
      const hello = await client.hello(
        {
          libraryId: fromHex(victim.libraryId),
          deviceId: testDevice("idle").id,
          protocolVersion: 1,
        },
        { timeoutMs: 10_000 },
      );
      expect(hello.protocolVersion).toBe(1);
    },
    SLOW_TEST_MS,
  );

  test(
    "cursor-2^63-claimed-on-our-own-stream-is-not-believed",
    async () => {
      const { victim, honest } = await victimAndHonest();
      const attacker = await compromisedPeer(victim);
      await converged([victim, attacker.peer], [victim.deviceId]);
      const own = victim.node.replica
        .status()
        .streams.filter((s) => s.stream.origin === victim.deviceId)
        .map((s) =>
          create(StreamWatermarkSchema, {
            stream: { origin: fromHex(victim.deviceId), resource: s.stream.resource },
            cursor: 2n ** 63n,
            liveCount: 1n,
            fingerprint: randomBytes(16),
          }),
        );
      const heads = () =>
        victim.node.replica
          .status()
          .streams.filter((s) => s.stream.origin === victim.deviceId)
          .map((s) => s.cursor);
      const before = heads();
      const claim = (deviceId = attacker.id) =>
        attacker.client.exchangeWatermarks({
          libraryId: fromHex(victim.libraryId),
          deviceId,
          watermarks: own,
        });
      // Naming the honest peer: refused, so not even checked.
      expect(reasonOf(await refusalOf(() => claim(fromHex(honest.deviceId))))).toBe(
        ErrorReason.DEVICE_MISMATCH,
      );
      const rewinds = () => metric(victim, "tidemark_origin_rewinds_total");
      // The first claim is checked (an origin rewind pull, PROTOCOL.md §3.7)...
      await claim();
      await victim.node.replica.idle();
      const checked = rewinds();
      expect(checked).toBeLessThanOrEqual(own.length);
      // ...and found unbacked, so the same claim again is not believed.
      for (let i = 0; i < 5; i++) {
        await claim();
        await victim.node.replica.idle();
      }
      expect(rewinds()).toBe(checked);
      expect(heads()).toEqual(before);
      await stillSyncs(victim, honest, "after-claim");
    },
    SLOW_TEST_MS,
  );
});

describe("issue 14 claims", () => {
  test(
    "a-forged-claim-refuted-once-does-not-hide-the-peers-real-claims",
    async () => {
      // The victim reaches a third device's streams only through the honest
      // peer, learning of them when it exchanges (often, here).
      const { victim, honest } = await victimAndHonest({
        sync: { periodicExchangeMs: 500 },
      });
      const third = await start("third", { libraryId: victim.libraryId });
      pair(honest, third);
      await converged([victim, honest, third], [third.deviceId]);
      const attacker = await compromisedPeer(victim);
      const tags = `${third.deviceId}/${Resource.TAG}`;
      // A paired device claims the largest cursor of the third device's tags...
      const claim = (deviceId: Uint8Array) =>
        attacker.client.exchangeWatermarks({
          libraryId: fromHex(victim.libraryId),
          deviceId,
          watermarks: [
            create(StreamWatermarkSchema, {
              stream: { origin: fromHex(third.deviceId), resource: Resource.TAG },
              cursor: 2n ** 64n - 1n,
              liveCount: 1n,
              fingerprint: randomBytes(16),
            }),
          ],
        });
      // ...naming the honest peer (refused), then as itself (checked, refuted).
      expect(reasonOf(await refusalOf(() => claim(fromHex(honest.deviceId))))).toBe(
        ErrorReason.DEVICE_MISMATCH,
      );
      await claim(attacker.id);
      await victim.node.replica.idle();
      expect(metric(victim, "tidemark_decisions_total", { stream: tags })).toBeGreaterThan(0);
      // Now the third device writes: the honest peer's real, lower claim must be believed.
      third.node.replica.commit([
        {
          resource: Resource.TAG,
          rowId: uuidv7(),
          body: { case: "tag", value: create(TagSchema, { name: "real", color: "red" }) },
        },
      ]);
      await converged([victim, honest, third], [third.deviceId]);
    },
    SLOW_TEST_MS,
  );

  test(
    "a-watermark-of-an-unknown-resource-is-ignored",
    async () => {
      const { victim, honest } = await victimAndHonest();
      const attacker = await compromisedPeer(victim);
      // Of the paired device's own origin and of the honest peer's.
      const origins = [attacker.id, fromHex(honest.deviceId)];
      await attacker.client.exchangeWatermarks({
        libraryId: fromHex(victim.libraryId),
        deviceId: attacker.id,
        watermarks: origins.map((origin) =>
          create(StreamWatermarkSchema, {
            stream: { origin, resource: FUTURE_RESOURCE },
            cursor: 7n,
            liveCount: 7n,
            fingerprint: randomBytes(16),
          }),
        ),
      });
      await victim.node.replica.idle();
      // Nothing decided, nothing pulled: it could be neither pulled nor applied.
      for (const origin of origins) {
        const future = `${toHex(origin)}/${FUTURE_RESOURCE}`;
        expect(metric(victim, "tidemark_decisions_total", { stream: future })).toBe(0);
        expect(metric(victim, "tidemark_pulls_total", { stream: future })).toBe(0);
      }
      await stillSyncs(victim, honest, "after-future");
    },
    SLOW_TEST_MS,
  );

  test(
    "a-push-of-the-victims-own-streams-is-refused",
    async () => {
      const { victim } = await victimAndHonest();
      const { device, client } = await pairedAttacker(victim, "own-streams");
      const library = fromHex(victim.libraryId);
      const own = fromHex(victim.deviceId);
      const entries = victim.node.replica
        .status()
        .streams.find(
          (s) => s.stream.origin === victim.deviceId && s.stream.resource === Resource.ENTRY,
        );
      const push = (deviceId: Uint8Array) =>
        client.pushChanges({
          libraryId: library,
          deviceId,
          batches: device.signed(library, [
            {
              stream: { origin: own, resource: Resource.ENTRY },
              prevSeq: entries?.cursor,
              changes: [entryChange((entries?.cursor ?? 0n) + 1n, { location: uuidv7() })],
            },
          ]),
        });
      // Naming the victim as the pusher: its certificate does not prove it (AU-2).
      expect(reasonOf(await refusalOf(() => push(own)))).toBe(ErrorReason.DEVICE_MISMATCH);
      // As itself, rows of the victim's stream it signed: only the origin pushes (AU-5).
      expect(reasonOf(await refusalOf(() => push(device.id)))).toBe(ErrorReason.NOT_ORIGIN);
      const after = victim.node.replica
        .status()
        .streams.find(
          (s) => s.stream.origin === victim.deviceId && s.stream.resource === Resource.ENTRY,
        );
      expect(after?.cursor).toBe(entries?.cursor);
    },
    SLOW_TEST_MS,
  );
  test(
    "a-paired-device-relaying-or-tombstoning-anothers-rows-is-refused",
    async () => {
      // What a compromised paired device can do with rows it legitimately
      // got: the honest peer's, with their real signatures, read back from
      // the victim. Replayed as the honest origin's stream, or deleted by a
      // tombstone in its own stream: both refused whole (AU-5, AU-6).
      const { victim, honest } = await victimAndHonest();
      const { device, client } = await pairedAttacker(victim, "relay");
      const library = fromHex(victim.libraryId);
      const origin = fromHex(honest.deviceId);
      const stream = { origin, resource: Resource.ENTRY };
      const pages: BackfillResponse[] = [];
      for await (const page of client.backfill({
        libraryId: library,
        deviceId: device.id,
        streams: [{ stream }],
      })) {
        pages.push(page);
      }
      const rows = pages.flatMap((p) => p.changes);
      const first = rows[0];
      expect(first?.signature.length).toBe(64);
      if (first === undefined) throw new Error("the honest peer's rows were not served");
      await victim.node.replica.idle();
      const before = streamLines(victim);
      const replay = await refusalOf(() =>
        client.pushChanges({
          libraryId: library,
          deviceId: device.id,
          batches: [
            {
              stream,
              changes: rows.slice(0, 5),
              originKey: pages[0]?.originKey ?? new Uint8Array(),
            },
          ],
        }),
      );
      expect(reasonOf(replay)).toBe(ErrorReason.NOT_ORIGIN);
      const tombstone = await refusalOf(() =>
        client.pushChanges({
          libraryId: library,
          deviceId: device.id,
          batches: device.signed(library, [
            {
              stream: { origin: device.id, resource: Resource.ENTRY },
              changes: [
                create(ChangeSchema, {
                  rowId: first.rowId,
                  seq: 1n,
                  body: { case: "tombstone", value: create(TombstoneSchema, {}) },
                }),
              ],
            },
          ]),
        }),
      );
      expect(reasonOf(tombstone)).toBe(ErrorReason.FORGED_ORIGIN);
      await victim.node.replica.idle();
      expect(streamLines(victim)).toEqual(before);
      await stillSyncs(victim, honest, "after-relay");
    },
    SLOW_TEST_MS,
  );

  test(
    "phantom-complete-through-renumbers-own-seqs",
    async () => {
      // A paired peer that lies as a responder (issue 14 residual a): it
      // claims 2^62 of the victim's own streams and ends each pull of them
      // with complete_through 2^62, serving nothing above the victim's cursor.
      // (Before the fix: own seqs renumbered above 2^62; at 2^63 SQLite's
      // signed integers refused the renumbering and the streams stayed pulling.)
      const PHANTOM = 2n ** 62n;
      let lying = false;
      const victim = await start("victim");
      const isVictims = (origin: Uint8Array | undefined) =>
        origin !== undefined && toHex(origin) === victim.deviceId;
      const liar = await start("liar", {
        libraryId: victim.libraryId,
        wrapService: (real) => ({
          ...real,
          exchangeWatermarks: async (req, ctx) => {
            const res = create(
              ExchangeWatermarksResponseSchema,
              await real.exchangeWatermarks(req, ctx),
            );
            if (!lying) return res;
            for (const wm of res.watermarks) if (isVictims(wm.stream?.origin)) wm.cursor = PHANTOM;
            return res;
          },
          backfill: (req, ctx) =>
            (async function* () {
              const own = lying ? req.streams.filter((r) => isVictims(r.stream?.origin)) : [];
              for (const r of own) {
                yield create(BackfillResponseSchema, {
                  ...(r.stream === undefined ? {} : { stream: r.stream }),
                  status: PageStatus.OK,
                  completeThrough: PHANTOM,
                  streamDone: true,
                });
              }
              const rest = req.streams.filter((r) => !own.includes(r));
              if (rest.length > 0) yield* real.backfill({ ...req, streams: rest }, ctx);
            })(),
        }),
      });
      pair(victim, liar);
      await indexTree(victim, "v", 30);
      await converged([victim, liar], [victim.deviceId]);
      // The victim restarts (own commits are unconfirmed until the liar is
      // heard from) and writes more; the liar starts lying.
      const dataDir = victim.dataDir;
      await closeKeepingData(victim);
      lying = true;
      const back = await start("victim", { dataDir });
      liar.node.addPeer({ url: back.url, deviceId: back.deviceId, name: "victim" });
      await indexTree(back, "after-restart", 10);
      const ownHeads = () =>
        back.node.replica
          .status()
          .streams.filter((s) => s.stream.origin === back.deviceId)
          .map((s) => s.headSeq ?? s.cursor ?? 0n);
      await waitFor(
        "the victim to pull its own streams back from the liar",
        () => {
          const pulling = back.node.replica
            .status()
            .streams.some((s) => s.stream.origin === back.deviceId && s.pulling);
          return metric(back, "tidemark_origin_rewinds_total") > 0 && !pulling ? true : undefined;
        },
        60_000,
        50,
      );
      await back.node.replica.idle();
      for (const head of ownHeads()) expect(head).toBeLessThan(2n ** 32n);
      expect(back.node.replica.status().own.unconfirmedSeqs).toBeLessThan(2n ** 32n);
      expect(metric(back, "tidemark_complete_through_clamped_total")).toBeGreaterThan(0);
      // The claim is refuted: the victim's own writes go out, and once the
      // liar stops lying both hold the victim's streams alike.
      await waitFor(
        "the victim to confirm its own streams",
        () => (back.node.replica.status().own.confirmed ? true : undefined),
        60_000,
        50,
      );
      lying = false;
      await converged([back, liar], [back.deviceId], 120_000);
      for (const head of ownHeads()) expect(head).toBeLessThan(2n ** 32n);
    },
    SLOW_TEST_MS,
  );
});

describe("issue 14 residual: claims about a third device", () => {
  test(
    "lying-relay-over-claims-a-third-device-cursor",
    async () => {
      // Origin C syncs with relay R, then goes offline. Victim V is paired
      // with R only; R advertises C's streams 1000 above C's real cursor and
      // ends each pull of them there. (Before PROTOCOL CU-8, V's cursor of C
      // jumped past rows it never got; C's later writes at those seqs were
      // skipped as already held: data lost for good.)
      const OVER = 1000n;
      let lying = false;
      const origin = await start("origin");
      const isC = (o: Uint8Array | undefined) => o !== undefined && toHex(o) === origin.deviceId;
      const relay = await start("relay", {
        libraryId: origin.libraryId,
        wrapService: (real) => ({
          ...real,
          exchangeWatermarks: async (req, ctx) => {
            const res = create(
              ExchangeWatermarksResponseSchema,
              await real.exchangeWatermarks(req, ctx),
            );
            if (!lying) return res;
            for (const wm of res.watermarks) {
              if (isC(wm.stream?.origin) && wm.cursor !== undefined) wm.cursor += OVER;
            }
            return res;
          },
          backfill: (req, ctx) =>
            (async function* () {
              for await (const page of real.backfill(req, ctx)) {
                const inflate =
                  lying && isC(page.stream?.origin) && page.streamDone && page.completeThrough;
                yield inflate
                  ? create(BackfillResponseSchema, {
                      ...page,
                      completeThrough: (page.completeThrough ?? 0n) + OVER,
                    })
                  : page;
              }
            })(),
        }),
      });
      pair(origin, relay);
      await indexTree(origin, "c", 30);
      await converged([origin, relay], [origin.deviceId]);
      const cursorsOf = (p: InProcessPeer) =>
        new Map(
          p.node.replica
            .status()
            .streams.filter((s) => s.stream.origin === origin.deviceId)
            .map((s) => [s.stream.resource, s.cursor]),
        );
      const real = cursorsOf(origin);
      const dataDir = origin.dataDir;
      await closeKeepingData(origin);
      lying = true;
      // Exchanging often: a pull cut under load is followed by another soon.
      const victim = await start("victim", {
        libraryId: relay.libraryId,
        sync: { periodicExchangeMs: 500 },
      });
      pair(victim, relay);
      await waitFor(
        "the victim to pull C's streams from the lying relay",
        () => {
          const got = cursorsOf(victim);
          const done = [...real.keys()].every((r) => got.get(r) !== undefined);
          const pulling = victim.node.replica.status().streams.some((s) => s.pulling);
          return done && !pulling ? true : undefined;
        },
        60_000,
        50,
      );
      await victim.node.replica.idle();
      const holdsRealCursors = () => {
        for (const [resource, cursor] of cursorsOf(victim)) {
          expect({ resource, cursor }).toEqual({ resource, cursor: real.get(resource) });
        }
      };
      holdsRealCursors();
      // The lie reached the victim and was bounded. A pull cut under load
      // ends gap-free (CU-5) without reading a claim; the next one reads it.
      await waitFor(
        "the victim to bound the relay's inflated complete_through",
        () => (metric(victim, "tidemark_unverified_cursor_claims_total") > 0 ? true : undefined),
        60_000,
        50,
      );
      holdsRealCursors();
      // C comes back, paired with the victim too, and writes more: its
      // records arrive by the honest path, at the seqs the relay lied about.
      const back = await start("origin", { dataDir });
      pair(back, victim);
      relay.node.addPeer({ url: back.url, deviceId: back.deviceId, name: "origin" });
      await indexTree(back, "c-later", 10);
      await converged([back, victim], [back.deviceId], 120_000);
      for (const [resource, cursor] of cursorsOf(victim)) {
        expect(cursor === undefined || cursor <= (cursorsOf(back).get(resource) ?? 0n)).toBe(true);
      }
    },
    SLOW_TEST_MS,
  );
});

/** A resource no version of the protocol defines yet (PROTOCOL.md §14: from a later version). */
const FUTURE_RESOURCE = 99 as Resource;

/** Bytes that are no protobuf message: a length-delimited field running past the end. */
const GARBAGE = Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0x01, 0x02);

describe("issue 14 error mapping", () => {
  test(
    "garbage-on-the-streaming-backfill-path-returns-internal",
    async () => {
      const victim = await start("victim");
      const tls = rawTlsAs(
        victim,
        await (await pairedAttacker(victim, "garbage")).device.credentials(),
      );
      const path = `/${SyncService.typeName}/Backfill`;
      const streaming: WireProtocol[] = ["connect-stream", "grpc", "grpc-web"];
      for (const protocol of streaming) {
        const body = envelope(GARBAGE);
        const answer = await rawPost(victim.url, path, CONTENT_TYPE[protocol], body, 20_000, tls);
        const err = errorOf(protocol, answer);
        expect({ protocol, code: err?.code }).toEqual({ protocol, code: Code.InvalidArgument });
        expect({ protocol, reason: reasonOf(err) }).toEqual({
          protocol,
          reason: ErrorReason.MALFORMED,
        });
      }
    },
    SLOW_TEST_MS,
  );

  test(
    "unary-garbage-returns-no-error-detail",
    async () => {
      const victim = await start("victim");
      const tls = rawTlsAs(
        victim,
        await (await pairedAttacker(victim, "garbage")).device.credentials(),
      );
      const unary = SyncService.methods.filter((m) => m.methodKind === "unary");
      for (const m of unary) {
        const path = `/${SyncService.typeName}/${m.name}`;
        const type = CONTENT_TYPE["connect-unary"];
        const answer = await rawPost(victim.url, path, type, GARBAGE, 20_000, tls);
        const err = errorOf("connect-unary", answer);
        expect({ rpc: m.name, code: err?.code }).toEqual({
          rpc: m.name,
          code: Code.InvalidArgument,
        });
        expect({ rpc: m.name, reason: reasonOf(err) }).toEqual({
          rpc: m.name,
          reason: ErrorReason.MALFORMED,
        });
      }
    },
    SLOW_TEST_MS,
  );

  test(
    "unknown-resource-in-backfill-answers-invalid-argument",
    async () => {
      const { victim } = await victimAndHonest();
      const { device, client } = await pairedAttacker(victim, "future-backfill");
      const pages = [];
      for await (const page of client.backfill({
        libraryId: fromHex(victim.libraryId),
        deviceId: device.id,
        streams: [
          { stream: { origin: fromHex(victim.deviceId), resource: FUTURE_RESOURCE } },
          { stream: { origin: fromHex(victim.deviceId), resource: Resource.ENTRY } },
        ],
      })) {
        pages.push(page);
      }
      const future = pages.filter((p) => p.stream?.resource === FUTURE_RESOURCE);
      expect(future.map((p) => [p.status, p.streamDone, p.changes.length])).toEqual([
        [PageStatus.NOT_HELD, true, 0],
      ]);
      // The streams it does know are served in the same call.
      const entries = pages.filter((p) => p.stream?.resource === Resource.ENTRY);
      expect(entries.at(-1)?.status).toBe(PageStatus.OK);
      expect(entries.flatMap((p) => p.changes).length).toBeGreaterThan(0);
    },
    SLOW_TEST_MS,
  );

  test(
    "rate-limited-calls-carry-an-error-detail",
    async () => {
      const victim = await start("victim");
      const { device, client } = await pairedAttacker(victim, "rate");
      const caller = device.id;
      let limited: unknown;
      for (let i = 0; i < 100 && limited === undefined; i++) {
        try {
          await client.exchangeWatermarks({
            libraryId: fromHex(victim.libraryId),
            deviceId: caller,
            watermarks: [],
          });
        } catch (err) {
          limited = err;
        }
      }
      expect(limited).toBeInstanceOf(ConnectError);
      expect((limited as ConnectError).code).toBe(Code.ResourceExhausted);
      expect(reasonOf(limited)).toBe(ErrorReason.RATE_LIMITED);
      expect(breaches(victim, "watermark-calls-per-peer")).toBeGreaterThan(0);
    },
    SLOW_TEST_MS,
  );
});

describe("mutual TLS: the gate comes before the request is read", () => {
  test(
    "an-unpaired-certificates-undecodable-request-is-refused-not-paired-unread",
    async () => {
      // Found running the hostile suite over TLS: a stranger's bytes were
      // decoded (MALFORMED) before the gate refused it, though PROTOCOL.md
      // AU-3 says no request of a stranger is ever parsed.
      const victim = await start("victim", { security: "mutual-tls" });
      const stranger = await testDevice("gate-stranger").credentials();
      const paired = testDevice("gate-paired");
      await pairCaller(victim, paired);
      const refusedBefore = metric(victim, "tidemark_listener_refused_calls_total", {
        reason: "not-paired",
      });
      let calls = 0;
      for (const m of SyncService.methods) {
        const streaming = m.methodKind === "server_streaming";
        const path = `/${SyncService.typeName}/${m.name}`;
        const protocols: WireProtocol[] = streaming
          ? ["connect-stream", "grpc", "grpc-web"]
          : ["connect-unary", "grpc", "grpc-web"];
        for (const protocol of protocols) {
          const body = protocol === "connect-unary" ? GARBAGE : envelope(GARBAGE);
          const post = (tls: Parameters<typeof rawTlsAs>[1]) =>
            rawPost(victim.url, path, CONTENT_TYPE[protocol], body, 20_000, rawTlsAs(victim, tls));
          const from = errorOf(protocol, await post(stranger));
          calls++;
          expect({ rpc: m.name, protocol, code: from?.code, reason: reasonOf(from) }).toEqual({
            rpc: m.name,
            protocol,
            code: Code.PermissionDenied,
            reason: ErrorReason.NOT_PAIRED,
          });
          // A paired device's same bytes are read, and found unreadable.
          const own = errorOf(protocol, await post(await paired.credentials()));
          expect({ rpc: m.name, protocol, reason: reasonOf(own) }).toEqual({
            rpc: m.name,
            protocol,
            reason: ErrorReason.MALFORMED,
          });
        }
      }
      const refused = metric(victim, "tidemark_listener_refused_calls_total", {
        reason: "not-paired",
      });
      expect(refused - refusedBefore).toBe(calls);
    },
    SLOW_TEST_MS,
  );
});

describe("mutual TLS: broken handshakes", () => {
  test(
    "failed-handshakes-and-certificateless-calls-are-counted-and-the-victim-still-serves",
    async () => {
      const victim = await start("victim");
      const { port } = new URL(victim.url);
      const refused = (reason: string) =>
        metric(victim, "tidemark_listener_refused_calls_total", { reason });
      const handshakes = refused("tls-handshake");
      // Each must fail its handshake: TLS 1.2 only, no h2 in ALPN, bytes that are no TLS.
      const attempts: ConnectionOptions[] = [
        { maxVersion: "TLSv1.2", ALPNProtocols: ["h2"] },
        { minVersion: "TLSv1.3", ALPNProtocols: ["http/1.1"] },
      ];
      for (const opts of attempts) {
        const outcome = await new Promise<string>((resolve) => {
          const s = tlsConnect({
            host: "127.0.0.1",
            port: Number(port),
            rejectUnauthorized: false,
            ...opts,
          });
          s.once("secureConnect", () => {
            s.destroy();
            resolve("connected");
          });
          s.once("error", () => resolve("refused"));
          s.once("close", () => resolve("refused"));
        });
        expect({ opts, outcome }).toEqual({ opts, outcome: "refused" });
      }
      await new Promise<void>((resolve) => {
        const s = netConnect({ host: "127.0.0.1", port: Number(port) }, () => {
          s.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        });
        s.on("error", () => resolve());
        s.on("close", () => resolve());
      });
      await waitFor(
        "the failed handshakes to be counted",
        () => (refused("tls-handshake") >= handshakes + 3 ? true : undefined),
        20_000,
        50,
      );
      // TLS without a client certificate: refused before anything is read (AU-1).
      const answer = await rawPost(
        victim.url,
        `/${SyncService.typeName}/Hello`,
        CONTENT_TYPE["connect-unary"],
        GARBAGE,
        20_000,
        { rejectUnauthorized: false, ...TLS_SETTINGS },
      );
      const err = errorOf("connect-unary", answer);
      expect({ code: err?.code, reason: reasonOf(err) }).toEqual({
        code: Code.Unauthenticated,
        reason: ErrorReason.UNAUTHENTICATED,
      });
      expect(refused("unauthenticated")).toBeGreaterThan(0);
      // A paired device still gets in.
      const { device, client } = await pairedAttacker(victim, "after-tls-errors");
      const hello = await client.hello(
        { libraryId: fromHex(victim.libraryId), deviceId: device.id, protocolVersion: 1 },
        { timeoutMs: 10_000 },
      );
      expect(toHex(hello.deviceId)).toBe(victim.deviceId);
    },
    SLOW_TEST_MS,
  );
});
