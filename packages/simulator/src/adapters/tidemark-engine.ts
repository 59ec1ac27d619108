// The reference engine behind the harness's seam: openReplica over an
// in-memory better-sqlite3 database, its probe read from that database
// (@tidemark/engine/testing), crash images by serialize(), damage by
// editing an image offline. The only simulator module that knows our
// schema or SQLite; everything else sees an EngineAdapter.

import {
  type DependencyStats,
  EngineErrorCode,
  ed25519SignerFromSeed,
  idFromHex,
  isEngineError,
  type LocalWrite,
  openReplica,
  type ReplicaBounds,
  type SyncConfig,
  type TidemarkReplica,
} from "@tidemark/engine";
import {
  type Damage,
  DbInspector,
  damageDatabase,
  KNOWN_BAD_NAMES,
  knownBadParts,
  REGRESSION_NAMES,
} from "@tidemark/engine/testing";
import type { Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import type { AdaptedReplica, EngineAdapter, OpenOptions, ReplicaProbe } from "../probe/probe.js";
import { bodyOf, changeOf, rowVersionOf } from "../probe/row-version.js";
import type {
  CommitResult,
  Corruption,
  DependencyUsage,
  DiskImage,
  Gauges,
  PeerView,
  RowVersion,
  Watermark,
} from "../probe/types.js";
import { MetricAudit } from "./metric-audit.js";
import { engineReconcileLibrary } from "./reconcile-library.js";
import { limitedParts, limitedService, rangeLimitsOf } from "./reconcile-limits.js";

/** Refusals a commit may meet for a while (the workload skips that action). */
const REFUSALS: ReadonlySet<string> = new Set([EngineErrorCode.OriginRewind]);

function imageBuffer(image: DiskImage): Buffer {
  return Buffer.from(image.buffer, image.byteOffset, image.byteLength);
}

function sum(values: Readonly<Record<string, number>>, name: string): number {
  let n = 0;
  for (const [k, v] of Object.entries(values)) if (k === name || k.startsWith(`${name}{`)) n += v;
  return n;
}

/** How far an exported gauge is from the truth (Infinity when it is not a number). */
function drift(gauge: number, truth: number): number {
  return Number.isFinite(gauge) ? Math.abs(gauge - truth) : Number.POSITIVE_INFINITY;
}

/**
 * How far the store's published dependency figures (`dependencyStats()`,
 * public API: an app may show them) are from what its table holds.
 */
function statsDrift(stats: DependencyStats, held: DependencyUsage): number {
  return (
    drift(stats.rows, held.rows) +
    drift(stats.bytes, held.bytes) +
    drift(stats.maxOriginRows, held.maxOriginRows) +
    drift(stats.maxOriginBytes, held.maxOriginBytes)
  );
}

/**
 * The buffers' bounds a scenario sets (ReplicaBounds, PROTOCOL §11): the
 * engine takes them as configuration, beside SyncConfig's
 * `dependencyBufferMax` (the rows over all origins) and `pendingBufferMax`
 * (held realtime changes per stream).
 */
function boundsOf(config: OpenOptions["config"]): Partial<ReplicaBounds> {
  const out: Record<string, number> = {};
  for (const key of BOUND_KEYS) {
    const v = config[key];
    if (typeof v === "number") out[key] = v;
  }
  return out;
}

const BOUND_KEYS = [
  "dependencyRowsPerOrigin",
  "dependencyBytesPerOrigin",
  "dependencyBytes",
  "heldRealtimeBytesPerPeer",
  "heldRealtimeBytes",
] as const;

/** The realtime pending buffer's gauge: one series per stream, and `stream="all"`, their total. */
const PENDING = "tidemark_pending_buffer_changes";

/**
 * What the engine's realtime gauges say it holds, and how far they disagree
 * with each other: the per-stream series must add up to the total, no
 * series may be negative, and held bytes are 0 exactly when no change is
 * held (an empty batch is never held).
 */
function realtimeGauges(values: Readonly<Record<string, number>>) {
  let streams = 0;
  let streamMax = 0;
  let total: number | undefined;
  let negative = false;
  for (const [k, v] of Object.entries(values)) {
    if (!k.startsWith(`${PENDING}{`)) continue;
    if (v < 0) negative = true;
    if (k.includes('stream="all"')) total = v;
    else {
      streams += v;
      streamMax = Math.max(streamMax, v);
    }
  }
  const held = total ?? streams;
  const bytes = sum(values, "tidemark_held_realtime_bytes");
  const inconsistent = negative || !Number.isFinite(bytes) || bytes < 0 || bytes > 0 !== held > 0;
  return {
    heldRealtime: held,
    heldRealtimeStreamMax: streamMax,
    heldRealtimeBytes: bytes,
    realtimeGaugeDrift: drift(held, streams) + (inconsistent ? 1 : 0),
  };
}

/** The reference engine's probe: its status and metrics, its database read by DbInspector. */
export function probeOf(replica: TidemarkReplica, inspect: DbInspector): ReplicaProbe {
  const deviceId = replica.deviceId;
  // The harness asks after every instant: answer from a cache while the
  // database wrote nothing (every stream state change is a write). The
  // inspector may read over its own connection (node-peer's TestControl):
  // the stamp sees writes of every connection.
  let cached: { written: string; watermarks: readonly Watermark[] } | undefined;
  let usage: { written: string; usage: DependencyUsage } | undefined;
  const audit = new MetricAudit();
  return {
    watermarks: () => {
      const written = inspect.writeStamp();
      if (cached?.written !== written) {
        const watermarks = replica.store.streams().map((s) => ({
          stream: s.stream,
          cursor: s.cursor,
          liveCount: s.liveCount,
          fingerprint: Buffer.from(s.fingerprint).toString("hex"),
          tombstoneHorizon: s.tombstoneHorizon,
          // An origin's own stream with unconfirmed changes above its cursor
          // (PROTOCOL §3.7) is not "as of its cursor" yet: judged like a pull.
          pulling:
            s.pulling ||
            (s.stream.origin === deviceId &&
              s.headSeq !== undefined &&
              (s.cursor === undefined || s.headSeq > s.cursor)),
          maxAppliedSeq: s.maxAppliedSeq,
        }));
        cached = { written, watermarks };
      }
      return cached.watermarks;
    },
    rows: (resource?: Resource) =>
      inspect
        .visibleRows(resource)
        .map((v) => rowVersionOf(resourceOf(v.change, resource), v.origin, v.change)),
    entries: (stream, opts) =>
      opts?.bodies === true
        ? inspect.streamEntries(stream).map((c) => rowVersionOf(stream.resource, stream.origin, c))
        : inspect.streamItems(stream).map((i) => ({
            ...i,
            resource: stream.resource,
            origin: stream.origin,
            fields: {},
          })),
    gauges: (): Gauges => {
      const values = replica.metrics().values;
      const held = inspect.heldUsage();
      return {
        ...audit.audit(values),
        ...realtimeGauges(values),
        heldDependencies: held.rows,
        queuedOutbound: sum(values, "tidemark_outbound_queue_changes"),
        dependencyGaugeDrift:
          drift(sum(values, "tidemark_dependency_buffer_rows"), held.rows) +
          drift(sum(values, "tidemark_dependency_buffer_bytes"), held.bytes) +
          statsDrift(replica.store.dependencyStats(), held),
      };
    },
    dependencyUsage: (): DependencyUsage => {
      const written = inspect.writeStamp();
      if (usage?.written !== written) usage = { written, usage: inspect.heldUsage() };
      return usage.usage;
    },
    treeCheck: () => inspect.treeCheck(),
    hlc: () => replica.store.hlcNow(),
    commit: (writes): CommitResult => {
      const local: LocalWrite[] = writes.map((w) => ({
        resource: w.resource,
        rowId: idFromHex(w.id),
        body: bodyOf(w.resource, w),
      }));
      try {
        const batches = replica.commit(local);
        return {
          kind: "committed",
          batches: batches.map((b) => ({
            stream: b.stream,
            prevSeq: b.prevSeq,
            changes: b.changes.map((c) => rowVersionOf(b.stream.resource, deviceId, c)),
            provisional: b.provisional,
          })),
        };
      } catch (err) {
        if (isEngineError(err) && REFUSALS.has(err.code))
          return { kind: "refused", reason: err.message };
        throw err;
      }
    },
    metrics: () => replica.metrics().values,
    peers: (): PeerView[] =>
      replica.status().peers.map((p) => ({
        peer: p.peer,
        state: p.state,
        connected: p.connected,
        consecutiveFailures: p.consecutiveFailures,
      })),
    workDone: () => inspect.rowsWritten(),
  };
}

/** visibleRows() spans resources; the change body tells which one a row belongs to. */
function resourceOf(
  change: { body: { case: string | undefined } },
  hint: Resource | undefined,
): Resource {
  if (hint !== undefined) return hint;
  const found = BODY_RESOURCE.get(change.body.case ?? "");
  if (found === undefined) throw new RangeError(`row with body ${change.body.case}`);
  return found;
}

import { BODY_CASE, type Change, changeSigningBytes } from "@tidemark/protocol";
import { deviceIdOf, signAs } from "../ids.js";

const BODY_RESOURCE = new Map<string, Resource>(
  Object.entries(BODY_CASE).map(([r, c]) => [c as string, Number(r) as Resource]),
);

/**
 * A reverted row is an old version its origin really wrote: it carries the
 * signature the origin made then (ed25519 is deterministic, so signing it
 * again with the origin's key gives exactly that one).
 */
function signedAsOrigin(library: Uint8Array, r: RowVersion): Change {
  const change = changeOf(r);
  const index = Array.from({ length: 64 }, (_, i) => i).find((i) => deviceIdOf(i) === r.origin);
  if (index === undefined) return change;
  change.signature = signAs(
    index,
    changeSigningBytes(library, idFromHex(r.origin), r.resource, change),
  );
  return change;
}

function toDamage(c: Corruption, library: Uint8Array): Damage {
  switch (c.kind) {
    case "lose-rows":
      return {
        kind: "lose-rows",
        rows: c.rows.map((r) => ({ stream: r.stream, id: idFromHex(r.id) })),
      };
    case "revert-rows":
      return {
        kind: "revert-rows",
        rows: c.rows.map((r: RowVersion) => ({
          stream: { origin: r.origin, resource: r.resource },
          to: signedAsOrigin(library, r),
        })),
      };
    case "claim-cursor":
      return c;
  }
}

/** The reference engine (@tidemark/engine) as an EngineAdapter. */
export const tidemarkEngine: EngineAdapter<TidemarkReplica> = {
  name: "@tidemark/engine",
  reconcileLibrary: engineReconcileLibrary,
  // The seed's bugs and issue 11's bugs 1, 2 and 7 re-introduced: the
  // simulator's generators reach them all now, so all must be caught.
  variants: [...KNOWN_BAD_NAMES, ...REGRESSION_NAMES],
  open(o: OpenOptions): AdaptedReplica<TidemarkReplica> {
    const db =
      o.image === undefined ? new Database(":memory:") : new Database(imageBuffer(o.image));
    const limits = rangeLimitsOf(o.config);
    const variantParts = o.variant === undefined ? undefined : knownBadParts(o.variant);
    const parts = limits === undefined ? variantParts : limitedParts(variantParts, limits);
    const replica = openReplica({
      db,
      deviceId: o.deviceId,
      signer: ed25519SignerFromSeed(o.signingKeySeed),
      libraryId: o.libraryId,
      deviceName: o.deviceName,
      ports: o.ports,
      config: o.config as Partial<SyncConfig>,
      bounds: boundsOf(o.config),
      ...(o.claimedCallers === true ? { callers: "claimed" as const } : {}),
      ...(parts === undefined ? {} : { parts }),
    });
    const probe = probeOf(replica, new DbInspector(db));
    return {
      service: limits === undefined ? replica.service : limitedService(replica, limits),
      probe,
      native: replica,
      start: () => replica.start(),
      // close() also closes the database (after any snapshot was taken).
      close: () => replica.close(),
      addPeer: (p) => replica.addPeer(p),
      removePeer: (p) => replica.removePeer(p),
      announce: () => replica.announceDataAvailable(),
      peerConnected: (p) => replica.peerConnected(p),
      peerDisconnected: (p) => replica.peerDisconnected(p),
      snapshot: () => new Uint8Array(db.serialize()),
      isIdle: () => replica.isIdle(),
    };
  },
  corrupt(image: DiskImage, damage: Corruption) {
    const db = new Database(imageBuffer(image));
    try {
      const library = db.prepare("SELECT value FROM meta WHERE key = 'library_id'").pluck().get();
      const changed = damageDatabase(db, toDamage(damage, idFromHex(String(library))));
      return { image: new Uint8Array(db.serialize()), changed };
    } finally {
      db.close();
    }
  },
};
