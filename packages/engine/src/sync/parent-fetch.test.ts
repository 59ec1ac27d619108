// A directory renamed after its children is served after them (a stream
// serves each row's latest version in seq order): a joiner whose dependency
// buffer is smaller than the directory's children must still finish the
// pull, by fetching the awaited parent by id (PROTOCOL.md §3.6 RF-5).
// Two real replicas on SQLite files, served to each other in memory
// through Connect's router transport.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { Resource, SyncService } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import type { Ports } from "../ports.js";
import { openReplica } from "../replica.js";
import type { Replica } from "../replica-api.js";
import { idToHex } from "../store/ids.js";
import { entryWrite, locationWrite, testId, volumeWrite } from "../store/testing.js";
import { testIdentity } from "../testing/identity.js";

const LIBRARY = "0f".repeat(16);
const CHILDREN = 40;
const BUFFER = 10;

const dirs: string[] = [];
const replicas: Replica[] = [];
afterEach(() => {
  for (const r of replicas.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Each replica's service, reached by device id. */
const services = new Map<string, Replica>();

function ports(): Ports {
  return {
    clock: { now: () => Date.now(), monotonic: () => performance.now() },
    timers: {
      set: (ms, fn) => ({ id: setTimeout(fn, ms) as unknown as number }),
      cancel: (t) => clearTimeout(t.id),
    },
    random: { next: () => Math.random() },
    logger: { log: () => {} },
    transport: {
      client: (peer) => {
        const target = services.get(peer);
        if (target === undefined) throw new Error(`no replica ${peer}`);
        const transport = createRouterTransport(({ service }) => {
          service(SyncService, target.service);
        });
        return createClient(SyncService, transport);
      },
    },
  };
}

function replica(label: string, bounds: { dependencyRowsPerOrigin?: number } = {}): Replica {
  const dir = mkdtempSync(join(tmpdir(), "tidemark-parents-"));
  dirs.push(dir);
  const r = openReplica({
    db: new Database(join(dir, "replica.db")),
    ...testIdentity(label),
    libraryId: LIBRARY,
    deviceName: label,
    ports: ports(),
    callers: "claimed",
    config: { pageMaxChanges: 5 },
    bounds,
  });
  replicas.push(r);
  services.set(r.deviceId, r);
  return r;
}

/** Waits until no replica has sync work in flight, or `ms` passed (then the asserts tell). */
async function settle(ms: number, ...rs: Replica[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  // Bounded: each round waits for every replica's work in flight.
  const quiet = (async () => {
    for (let i = 0; i < 20; i++) await Promise.all(rs.map((r) => r.idle()));
  })();
  await Promise.race([quiet, budget]);
  clearTimeout(timer);
}

describe("parents fetched by id", () => {
  test("a-joiner-finishes-a-stream-whose-renamed-directory-has-more-children-than-the-buffer", async () => {
    const origin = replica("origin");
    // Alone at start: its own streams are confirmed and served (§3.7).
    origin.start();
    const VOL = testId(1, 0x10);
    const LOC = testId(2, 0x10);
    const ROOT = testId(3, 0x10);
    const DIR = testId(4, 0x10);
    origin.commit([
      volumeWrite(VOL),
      locationWrite(LOC, VOL),
      entryWrite(ROOT, LOC, undefined, "root"),
      entryWrite(DIR, LOC, ROOT, "photos"),
    ]);
    const files = Array.from({ length: CHILDREN }, (_, i) =>
      entryWrite(testId(100 + i, 0x10), LOC, DIR, `img-${i}.jpg`),
    );
    origin.commit(files);
    // The rename: the directory's only version is now after every child.
    origin.commit([entryWrite(DIR, LOC, ROOT, "photos-2026")]);

    const joiner = replica("joiner", { dependencyRowsPerOrigin: BUFFER });
    joiner.start();
    joiner.addPeer(origin.deviceId);
    origin.addPeer(joiner.deviceId);
    joiner.peerConnected(origin.deviceId);
    await settle(15_000, joiner, origin);

    const entries = (r: Replica) =>
      r
        .status()
        .streams.find(
          (s) => s.stream.origin === origin.deviceId && s.stream.resource === Resource.ENTRY,
        );
    const want = entries(origin);
    const got = entries(joiner);
    expect(got?.pulling).toBe(false);
    expect(got?.cursor).toBe(want?.cursor);
    expect(idToHex(got?.fingerprint ?? new Uint8Array())).toBe(
      idToHex(want?.fingerprint ?? new Uint8Array()),
    );
    expect(got?.liveCount).toBe(BigInt(CHILDREN + 2));
    const metrics = joiner.metrics().values;
    expect(metrics.tidemark_dependency_buffer_rows ?? 0).toBe(0);
    const fetched = Object.entries(metrics).filter(([k]) =>
      k.startsWith("tidemark_parents_fetched_total"),
    );
    expect(fetched.length).toBeGreaterThan(0);
  }, 60_000);
});
