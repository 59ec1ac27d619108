// Real replicas on SQLite files in one process, served to each other through
// Connect's router transport (in-process-ports.ts): the two-replica set-up
// the engine's sync tests share. Replicas are closed and their files deleted
// after each test. Kept outside src/, whose sources must stay sans-IO.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import {
  type AckStatus,
  PushChangesRequestSchema,
  Resource,
  SyncService,
} from "@tidemark/protocol";
import Database from "better-sqlite3";
import { afterEach } from "vitest";
import { openReplica } from "../src/replica.js";
import type { Replica, ReplicaOptions } from "../src/replica-api.js";
import type { CommittedBatch, StreamState } from "../src/store/store-api.js";
import { entryWrite, locationWrite, testId, volumeWrite } from "../src/store/testing.js";
import { fromHex, streamIdFromKey } from "../src/sync/ids.js";
import { testIdentity } from "../src/testing/identity.js";
import { inProcessPorts } from "./in-process-ports.js";

type Service = ServiceImpl<typeof SyncService>;

export type ReplicaNetOptions = {
  readonly libraryId: string;
  /** Names the temp dirs: `tidemark-<tmpPrefix>-`. */
  readonly tmpPrefix: string;
  /** What a caller of `peer` reaches, given what is served as it; default: that service. */
  readonly route?: (peer: string, served: Service) => Service;
};

export type OpenOptions = Pick<ReplicaOptions, "config" | "bounds"> & {
  /** The host's deadline on every call (node-peer's transport sets one); unset: none. */
  readonly hostTimeoutMs?: number | undefined;
};

export type ReplicaNet = {
  /** Opens `label`'s replica (not started), reachable by its device id; callers are "claimed". */
  replica(label: string, opts?: OpenOptions): Replica;
  /** Serves `impl` to callers of `deviceId` in place of what was served before. */
  serve(deviceId: string, impl: Service): void;
};

/** A net of replicas for one test file; call at module level (it registers an afterEach). */
export function replicaNet(opts: ReplicaNetOptions): ReplicaNet {
  const dirs: string[] = [];
  const replicas: Replica[] = [];
  const services = new Map<string, Service>();
  afterEach(() => {
    services.clear();
    for (const r of replicas.splice(0)) r.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function serviceOf(peer: string): Service {
    const impl = services.get(peer);
    if (impl === undefined) throw new Error(`no replica ${peer}`);
    return opts.route?.(peer, impl) ?? impl;
  }

  return {
    replica(label, { hostTimeoutMs, ...options } = {}) {
      const dir = mkdtempSync(join(tmpdir(), `tidemark-${opts.tmpPrefix}-`));
      dirs.push(dir);
      const r = openReplica({
        db: new Database(join(dir, "replica.db")),
        ...testIdentity(label),
        libraryId: opts.libraryId,
        deviceName: label,
        ports: inProcessPorts(serviceOf, hostTimeoutMs === undefined ? {} : { hostTimeoutMs }),
        // The in-process transport authenticates nobody: take the claimed device id.
        callers: "claimed",
        ...options,
      });
      replicas.push(r);
      services.set(r.deviceId, r.service);
      return r;
    },
    serve(deviceId, impl) {
      services.set(deviceId, impl);
    },
  };
}

/** The location seedEntries writes its entries under. */
export const SEED_LOCATION = testId(2, 0x20);

/** Commits a volume, a location under it and `count` entries in that location. */
export function seedEntries(r: Replica, count: number): void {
  const volume = testId(1, 0x20);
  r.commit([volumeWrite(volume), locationWrite(SEED_LOCATION, volume)]);
  r.commit(
    Array.from({ length: count }, (_, i) =>
      entryWrite(testId(100 + i, 0x20), SEED_LOCATION, undefined, `f-${i}`),
    ),
  );
}

/** What `r` holds of `origin`'s entry stream. */
export function entryStream(r: Replica, origin: Replica): StreamState | undefined {
  return r
    .status()
    .streams.find(
      (s) => s.stream.origin === origin.deviceId && s.stream.resource === Resource.ENTRY,
    );
}

/** Whether `joiner` finished pulling `origin`'s entry stream and holds `count` live entries. */
export function holdsEntries(joiner: Replica, origin: Replica, count: number): boolean {
  const entries = entryStream(joiner, origin);
  return entries?.pulling === false && entries.liveCount === BigInt(count);
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves when `ready()` holds, or after `ms` (the asserts then tell). */
export async function until(ready: () => boolean, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end && !ready()) await sleep(20);
}

/** Who pushes: the pushing device, its library, and the origin key its batches carry. */
export type Pusher = {
  readonly from: Replica;
  readonly libraryId: string;
  readonly originKey: Uint8Array;
};

/** Pushes one batch to `to` straight to its handler, as `pusher.from` would; the batch's ack status. */
export async function pushBatch(
  to: Replica,
  pusher: Pusher,
  batch: Pick<CommittedBatch, "stream" | "prevSeq" | "changes">,
): Promise<AckStatus | undefined> {
  const client = createClient(
    SyncService,
    createRouterTransport(({ service }) => service(SyncService, to.service)),
  );
  const res = await client.pushChanges(
    create(PushChangesRequestSchema, {
      libraryId: fromHex(pusher.libraryId),
      deviceId: fromHex(pusher.from.deviceId),
      batches: [
        {
          stream: streamIdFromKey(batch.stream),
          prevSeq: batch.prevSeq,
          changes: [...batch.changes],
          originKey: pusher.originKey,
        },
      ],
    }),
  );
  return res.acks[0]?.status;
}
