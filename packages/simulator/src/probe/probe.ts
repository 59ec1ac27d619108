// The seam between the harness and an implementation under test (DESIGN
// §9). Properties, workloads and faults see a replica only through
// ReplicaProbe; the harness drives its lifecycle through EngineAdapter.
// Every probe method may answer synchronously (in process) or with a
// promise (over the wire); the harness always awaits.
import type { ServiceImpl } from "@connectrpc/connect";
import type { Ports } from "@tidemark/engine";
import type { ReconcileRange, Resource, SyncService } from "@tidemark/protocol";
import type {
  CommitResult,
  Corruption,
  DependencyUsage,
  DiskImage,
  Gauges,
  IdHex,
  PeerView,
  RowVersion,
  StreamRef,
  TreeReport,
  Watermark,
  WriteOp,
} from "./types.js";

export type Awaitable<T> = T | Promise<T>;

/** What the harness may ask of one running replica. */
export interface ReplicaProbe {
  /** Every stream the replica knows. */
  watermarks(): Awaitable<readonly Watermark[]>;
  /** Live visible rows (what a user sees), of one resource or all; ascending by resource, id. */
  rows(resource?: Resource): Awaitable<readonly RowVersion[]>;
  /**
   * One stream's entries: the origin's latest version of each row held,
   * tombstones included, changes held back for a missing parent included
   * (they count as held). Ascending by id. Without `bodies` the versions'
   * fields may be left empty (cursor checks need ids, seqs and deletes only).
   */
  entries(
    stream: StreamRef,
    opts?: { readonly bodies?: boolean },
  ): Awaitable<readonly RowVersion[]>;
  gauges(): Awaitable<Gauges>;
  treeCheck(): Awaitable<TreeReport>;
  /** The replica's hybrid logical clock now. */
  hlc(): Awaitable<bigint>;
  /** Commits local writes as one transaction (one user action). */
  commit(writes: readonly WriteOp[]): Awaitable<CommitResult>;
  /**
   * Engine metrics by `name{labels}` (Prometheus' flat form). The peer
   * properties read the per-peer series (tidemark_peer_state,
   * tidemark_consecutive_failures, tidemark_exchange_failures_total).
   */
  metrics(): Awaitable<Readonly<Record<string, number>>>;
  /**
   * Every paired peer as the replica publishes it (its status). Optional:
   * without it the peer-status properties judge nothing.
   */
  peers?(): Awaitable<readonly PeerView[]>;
  /**
   * A never-decreasing, deterministic count of work units done so far (for
   * the reference engine: storage rows written, index rows included). The
   * harness charges virtual CPU time per unit, so a costly commit delays
   * the device like a slow disk would. Optional: without it, work is
   * estimated from changes and bytes.
   */
  workDone?(): Awaitable<number>;
  /**
   * What the dependency buffer holds now (read from durable state, not from
   * the replica's own counters). Optional: the harness reads it after every
   * instant to judge the buffer's bounds; without it only `gauges()` is judged.
   */
  dependencyUsage?(): Awaitable<DependencyUsage>;
}

/** Engine knobs a scenario passes through (e.g. realtimeMaxBatch); the adapter interprets them. */
export type EngineConfig = Readonly<Record<string, number | boolean | undefined>>;

export type OpenOptions = {
  /** Derived from the device key (deviceIdFromPublicKey of signingKeySeed's public key). */
  readonly deviceId: IdHex;
  /** The 32-byte ed25519 seed of the device's key: it signs what the device writes. */
  readonly signingKeySeed: Uint8Array;
  readonly libraryId: IdHex;
  readonly deviceName: string;
  /** Virtual clock, timers, seeded randomness, logger, simulated transport. */
  readonly ports: Ports;
  readonly config: EngineConfig;
  /** Open on this durable image (a restart, a restored backup); absent: a fresh device. */
  readonly image: DiskImage | undefined;
  /** A known-bad variant to assemble instead of the reference behaviour. */
  readonly variant: string | undefined;
  /**
   * Believe each call's claimed device id, and serve callers that are not
   * peers (a host serving cleartext loopback on purpose: its clients are
   * inbound-only). Absent: callers are the transport's authenticated device.
   */
  readonly claimedCallers?: boolean;
};

/** One running replica: its handlers, its probe, its lifecycle. */
export interface AdaptedReplica<Native = unknown> {
  /** The SyncService handlers the harness serves to peers. */
  readonly service: ServiceImpl<typeof SyncService>;
  readonly probe: ReplicaProbe;
  /** The implementation's own handle (engine-specific tests only). */
  readonly native: Native;
  /** Arms timers (periodic exchange). */
  start(): void;
  /** Stops everything; the replica is gone (its image was taken before if needed). */
  close(): void;
  addPeer(peer: IdHex): void;
  removePeer(peer: IdHex): void;
  /**
   * The host's notice that new data is here (PROTOCOL §9), as a host sends
   * it after a bulk operation (node-peer's indexer after a scan): flush
   * pending pushes, tell every peer. Optional: without it the harness
   * sends none.
   */
  announce?(): void;
  /** Connect/reconnect trigger. */
  peerConnected(peer: IdHex): void;
  peerDisconnected(peer: IdHex): void;
  /** The committed state, as the disk would hold it after a power cut right now. */
  snapshot(): DiskImage;
  /** True when no sync work is in flight; lets tests settle (optional). */
  isIdle?(): boolean;
}

/** Range-round parameters of a library run (PROTOCOL.md §7.5: "Peers MAY use other values"). */
export type LibraryLimits = {
  readonly branching?: number;
  readonly listThreshold?: number;
  /** Encoded bytes of one message's ranges; 0 = none. */
  readonly frameSizeLimit?: number;
  /** Ranges per message; 0 = none. */
  readonly maxRanges?: number;
};

/** One item of a stream (§7.1): a 16-byte id and its seq. */
export type LibraryItem = { readonly id: Uint8Array; readonly seq: bigint };

/** A whole reconciliation run in process, as the library reports it. */
export type LibraryRun = {
  /** Ids (hex) the initiator ends up needing, and holding newer or alone. */
  readonly need: readonly string[];
  readonly have: readonly string[];
  /** Round trips the library's run reports, and messages its initiator says it sent. */
  readonly roundTrips: number;
  readonly messages: number;
  /** Encoded ranges, both directions, and the largest one message carried. */
  readonly bytes: number;
  readonly maxMessageBytes: number;
};

/** The library responder's take on one message: an answer, a refusal as invalid, or another failure. */
export type LibraryAnswer =
  | { readonly kind: "answer"; readonly ranges: readonly ReconcileRange[] }
  | { readonly kind: "invalid" }
  | { readonly kind: "failed"; readonly error: string };

/**
 * An implementation's sans-IO reconcile library (§7), as a host embeds it
 * on its own transport. Items are ascending by id.
 */
export interface ReconcileLibrary {
  /** Reconciles `initiator`'s items with `responder`'s; throws when it cannot finish. */
  run(
    initiator: readonly LibraryItem[],
    responder: readonly LibraryItem[],
    limits: LibraryLimits,
    maxRoundTrips: number,
  ): LibraryRun;
  /** The first message an initiator over `items` sends. */
  firstMessage(items: readonly LibraryItem[], limits: LibraryLimits): readonly ReconcileRange[];
  /** The responder over `items` (reference limits) given `ranges` straight, no validator. */
  respond(items: readonly LibraryItem[], ranges: readonly ReconcileRange[]): LibraryAnswer;
}

/** An implementation under test, as the harness drives it. */
export interface EngineAdapter<Native = unknown> {
  readonly name: string;
  /** Its reconcile library, if it ships one a host can embed (reconcile-library-exact). */
  readonly reconcileLibrary?: ReconcileLibrary;
  /** Known-bad variants `open` can assemble (the mutants the properties must catch). */
  readonly variants: readonly string[];
  open(opts: OpenOptions): Awaitable<AdaptedReplica<Native>>;
  /** Damages a stopped replica's image; returns the new image and how many rows changed. */
  corrupt(
    image: DiskImage,
    damage: Corruption,
  ): Awaitable<{ readonly image: DiskImage; readonly changed: number }>;
}
