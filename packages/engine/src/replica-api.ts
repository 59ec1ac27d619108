// The contract hosts (apps/node-peer, packages/simulator) program against.
// Implemented by replica.ts on top of store/ and sync/.
import type { ServiceImpl } from "@connectrpc/connect";
import type { SyncService } from "@tidemark/protocol";
import type { Ports } from "./ports.js";
import type {
  CommittedBatch,
  IdHex,
  LocalWrite,
  ReplicaStore,
  StreamKey,
  StreamState,
} from "./store/store-api.js";
import type { DecideInput, Decision } from "./sync/decide.js";

/** Per-peer sync states (DESIGN §1, issue 5). Logged on every transition. */
export type PeerState =
  | "uninitialized"
  | "backfilling"
  | "ready"
  | "catching-up"
  | "backoff"
  | "failed";

/** What a decide strategy may use besides the two sides' summaries. */
export type DecideEnv = {
  readonly stream: StreamKey;
  readonly peer: IdHex;
  readonly deviceId: IdHex;
  readonly libraryId: IdHex;
  readonly store: ReplicaStore;
  readonly ports: Ports;
};

/**
 * Strategies a replica is assembled from. Hosts pass none and get the
 * reference behaviour; test code may inject others (the known-bad
 * variants of `@tidemark/engine/testing`), so no production code path
 * carries a switch for test-only behaviour (DESIGN §9).
 */
export type ReplicaParts = {
  /**
   * Decorates the SQLite store before anything uses it; `db` is the
   * store's own handle, for a variant that must bypass the store's rules.
   */
  readonly store?: (store: ReplicaStore, db: import("better-sqlite3").Database) => ReplicaStore;
  /** Decides one stream after learning a peer's watermark (default: decideStream). */
  readonly decide?: (input: DecideInput, env: DecideEnv) => Decision;
  /**
   * Checks one received stream's changes against its origin's key before
   * they are applied (default: verifyStreamChanges). A known-bad variant
   * replaces it to show the harness catches a receiver that does not check.
   */
  readonly verify?: import("./identity/verify.js").StreamVerifier;
  /**
   * Builds the initiator of one reconcile run (default: a ReconcileInitiator
   * with these options); a known-bad variant returns one that mishandles
   * coded symbols (PROTOCOL.md §7.9.4).
   */
  readonly reconcileInitiator?: (
    set: import("./reconcile/item-set.js").ReconcileSet,
    options: import("./reconcile/options.js").ReconcileOptions,
  ) => import("./reconcile/initiator.js").ReconcileInitiator;
  /** Signs own commits (default: the ReplicaOptions signer); a bench turns signing off here. */
  readonly signer?: (
    signer: import("./identity/signer.js").ChangeSigner,
  ) => import("./identity/signer.js").ChangeSigner | undefined;
};

export type SyncConfig = {
  readonly realtimeFlushMs: number; // 50
  readonly realtimeMaxBatch: number; // 100
  readonly realtimeActivityWindowMs: number; // 30_000
  readonly periodicExchangeMs: number; // 60_000
  /**
   * How long a deferred reconcile keeps deferring the same triple
   * (PROTOCOL §4.2 EW-6). Unset: half of periodicExchangeMs.
   */
  readonly reconcileDeferMs?: number; // 30_000
  readonly backoffBaseMs: number; // 1_000
  readonly backoffMaxMs: number; // 60_000
  readonly pageMaxChanges: number; // 1_000
  readonly pageMaxBytes: number; // 1 MiB
  /** Timeout of one page request; scaled with page size. */
  readonly requestTimeoutMs: number; // 10_000
  readonly pendingBufferMax: number; // held realtime changes per stream
  /** Changes waiting for a missing parent row, all streams (store BufferFull past it). */
  readonly dependencyBufferMax: number; // 100_000
  readonly hlcMaxOffsetMs: number; // 300_000
  /**
   * Prune a stream's tombstones up to the lowest cursor every known peer
   * acknowledged in exchanges (DESIGN §5). Off unless set.
   */
  readonly pruneTombstones?: boolean; // false
  /**
   * A shared row's tombstone younger than this is never pruned (§13
   * TB-5): a device away with an older edit of the row for less than this
   * still learns of the delete when it returns. 0 prunes at once.
   */
  readonly sharedTombstoneRetentionMs: number; // 30 days
};

export type PeerStatus = {
  readonly peer: IdHex;
  readonly state: PeerState;
  readonly connected: boolean;
  readonly lastExchangeAt: number | undefined;
  readonly consecutiveFailures: number;
};

/**
 * A stream held back because a change's HLC is more than the max offset
 * ahead of this device's physical time (PROTOCOL §12). It syncs by itself
 * once real time catches up; if `aheadMs` is large, a clock is wrong: the
 * origin's if only its streams are held, ours if every peer's are.
 */
export type HlcHold = {
  readonly stream: StreamKey;
  /** The peer that served or pushed the change. */
  readonly peer: IdHex | undefined;
  /** How far the change's HLC is ahead of our physical time, ms. */
  readonly aheadMs: number;
  readonly maxOffsetMs: number;
  /** Wall-clock time the hold began. */
  readonly since: number;
};

/**
 * This device's own new changes (PROTOCOL §3.7): after any open they are
 * committed but not pushed or served until every peer was heard from.
 */
/** Why own commits still wait on one paired peer (PROTOCOL §3.7). */
export type OwnWait = {
  readonly peer: IdHex;
  /**
   * `not-heard-from`: no full watermarks from it since open (or since it
   * was added); `peer-ahead`: it holds more of `stream` than our confirmed
   * head (being pulled back); `peer-pulling`: it is mid-pull of `stream`,
   * so how far it holds is not known yet.
   */
  readonly reason: "not-heard-from" | "peer-ahead" | "peer-pulling";
  /** The own stream concerned ("origin/resource"), for the last two. */
  readonly stream?: string;
};

export type OwnStatus = {
  /** Own commits may be emitted (every paired peer heard from, none ahead or pulling). */
  readonly confirmed: boolean;
  /** Peers not heard from since open; empty once confirmed. */
  readonly awaitingPeers: readonly IdHex[];
  /** Every peer own commits wait on, with the reason; empty once confirmed. */
  readonly waits: readonly OwnWait[];
  /** Seqs committed above the confirmed heads, summed over own streams. */
  readonly unconfirmedSeqs: bigint;
};

/**
 * How the replica learns who is calling (PROTOCOL.md "Authorization").
 * `authenticated`: the host's transport sets `authenticatedDevice` in each
 * call's context (mutual TLS, the simulator); a call without it is refused.
 * The host's client MUST also pin each peer's device id (a responder is
 * the peer asked), since a peer's own streams in its answers are then
 * checked for shape only (PROTOCOL.md §16 SG-7, SG-8).
 * `claimed`: the host serves cleartext loopback on purpose
 * (`--insecure-loopback`) and the request's device_id is believed.
 */
export type CallerIdentity = "authenticated" | "claimed";

/** Why a call was refused before it reached the library. */
export type RefusalReason = "unauthenticated" | "device-mismatch" | "not-paired";

/** A device (or nobody) whose calls were refused, for `status` ("refused: not paired <id>"). */
export type RefusedCaller = {
  /** The authenticated device id, hex; "" when the transport authenticated nobody. */
  readonly device: IdHex;
  readonly reason: RefusalReason;
  /** Refused calls since open. */
  readonly count: number;
  /** Wall-clock ms of the last refused call. */
  readonly lastAt: number;
};

export type ReplicaStatus = {
  readonly device: IdHex;
  readonly library: IdHex;
  readonly peers: readonly PeerStatus[];
  readonly streams: readonly StreamState[];
  /** Streams held back by a clock too far ahead; empty when none. */
  readonly hlcHolds: readonly HlcHold[];
  /** Whether this device's own new changes may leave it yet. */
  readonly own: OwnStatus;
  /** Callers refused since open (unpaired devices the owner may pair), newest first. */
  readonly refused: readonly RefusedCaller[];
};

export type ReplicaOptions = {
  /** An open better-sqlite3 handle (file or ":memory:"); the replica owns it after open. */
  readonly db: import("better-sqlite3").Database;
  /** Must be deviceIdFromPublicKey(signer.publicKey), hex (else KeyMismatch at open). */
  readonly deviceId: IdHex;
  readonly libraryId: IdHex;
  readonly deviceName: string;
  readonly ports: Ports;
  /** Signs every change this device commits (identity/signer.ts). */
  readonly signer: import("./identity/signer.js").ChangeSigner;
  /** Who callers are taken to be; default "authenticated". */
  readonly callers?: CallerIdentity;
  readonly config?: Partial<SyncConfig>;
  /** Test-only strategies (see ReplicaParts); omitted in production. */
  readonly parts?: ReplicaParts;
  /** Bounds on what peers can make the replica hold or do; unset ones default (bounds.ts). */
  readonly bounds?: Partial<import("./bounds.js").ReplicaBounds>;
};

export interface Replica {
  readonly deviceId: IdHex;
  /** Handlers for every SyncService RPC; the host serves them (Connect, simulator). */
  readonly service: ServiceImpl<typeof SyncService>;

  /** Starts timers (periodic exchange). Idempotent. */
  start(): void;
  /** Cancels every timer and in-flight work; closes the DB. */
  close(): void;

  addPeer(peer: IdHex): void;
  removePeer(peer: IdHex): void;
  /** Connect/reconnect trigger: runs an exchange with that peer. */
  peerConnected(peer: IdHex): void;
  peerDisconnected(peer: IdHex): void;

  /** Local writes; pushes them to connected peers in realtime batches. */
  commit(writes: readonly LocalWrite[]): CommittedBatch[];
  /** After a bulk operation: tells peers (NotifyDataAvailable). */
  announceDataAvailable(): void;

  /** Resolves when no sync work is in flight or scheduled short-term. */
  idle(): Promise<void>;
  status(): ReplicaStatus;
  /** Metrics as a plain object and as Prometheus text. */
  metrics(): { readonly values: Readonly<Record<string, number>>; readonly prometheus: string };
}
