// The plain data a harness exchanges with a replica through its probe
// (DESIGN §9). Hex ids, bigint seqs and HLCs, string-valued row fields:
// nothing engine-specific and nothing shared by reference, so the same
// shapes map 1:1 onto a wire service (TestControl) for peers written in
// any language.
import type { Resource } from "@tidemark/protocol";

/** 32 lowercase hex characters: a 16-byte row, device or library id. */
export type IdHex = string;

/** A stream: the changes one origin made to one resource (PROTOCOL §3). */
export type StreamRef = { readonly origin: IdHex; readonly resource: Resource };

/**
 * A row's body as canonical strings, keyed by the proto field's JSON name:
 * bytes as lowercase hex, integers and enums in decimal, bools as
 * "true"/"false", text as is; an unset optional field is absent.
 */
export type Fields = Readonly<Record<string, string>>;

/** One version of one row: a stream entry, a visible row or a committed change. */
export type RowVersion = {
  readonly resource: Resource;
  readonly id: IdHex;
  /** The device that wrote this version (for a stream entry, the stream's origin). */
  readonly origin: IdHex;
  readonly seq: bigint;
  /** Shared resources only: 48-bit ms << 16 | counter. */
  readonly hlc: bigint | undefined;
  readonly deleted: boolean;
  /** Empty for a tombstone. */
  readonly fields: Fields;
};

/** One stream's summary as the replica holds it (its StreamWatermark, plus local state). */
export type Watermark = {
  readonly stream: StreamRef;
  /** Absent: no cursor (never 0). */
  readonly cursor: bigint | undefined;
  readonly liveCount: bigint;
  /** 16 bytes, lowercase hex (PROTOCOL §6.1). */
  readonly fingerprint: string;
  readonly tombstoneHorizon: bigint | undefined;
  /** Mid-pull: the cursor is frozen while pages land. */
  readonly pulling: boolean;
  /** Highest seq ever applied (>= cursor), if the implementation tracks it. */
  readonly maxAppliedSeq: bigint | undefined;
};

/**
 * One paired peer as the replica publishes it (its status API, what a host
 * shows its user): the peer's state (PROTOCOL's peer states: uninitialized,
 * backfilling, ready, catching-up, backoff, failed), whether it is
 * connected, and the failures in a row since the last success.
 */
export type PeerView = {
  readonly peer: IdHex;
  readonly state: string;
  readonly connected: boolean;
  readonly consecutiveFailures: number;
};

/** Buffers that hold changes back; all must drain once the network heals. */
export type Gauges = {
  /** Realtime changes held for a gap (all streams). */
  readonly heldRealtime: number;
  /**
   * Realtime changes held for a gap in the stream holding the most: what
   * the pending-buffer bound limits (PROTOCOL §8 PC-2 bounds it per stream).
   * 0 while `heldRealtime` > 0: not reported (the total is judged instead).
   */
  readonly heldRealtimeStreamMax: number;
  /** Changes held for a missing parent row (all streams). */
  readonly heldDependencies: number;
  /** Local changes queued for realtime push, not yet sent. */
  readonly queuedOutbound: number;
  /**
   * How far the replica's published dependency-buffer figures (exported
   * gauges; for our engine also the store's `dependencyStats()`) are from
   * what it really holds (absolute difference, summed; Infinity
   * when a gauge is not a number). Optional: 0 or absent when not reported.
   */
  readonly dependencyGaugeDrift?: number;
  /** Encoded bytes of the realtime changes held (all streams, all pushers); optional. */
  readonly heldRealtimeBytes?: number;
  /**
   * How far the replica's exported realtime gauges disagree with each other
   * (per-stream counts against their total, bytes held with no change held
   * or the reverse, a negative figure); 0 or absent when consistent or not
   * reported.
   */
  readonly realtimeGaugeDrift?: number;
  /**
   * The replica's exported metrics at this scrape, when the implementation
   * has a catalog to audit them against (optional, 0 or absent: fine):
   * series of a metric the catalog does not document, series that are not
   * a finite number, series lacking a label other series of their metric
   * carry, series with an empty label value, counters lower than at the previous scrape of the same running
   * replica.
   */
  readonly unlistedMetrics?: number;
  readonly nonFiniteMetrics?: number;
  readonly mixedMetricLabels?: number;
  readonly emptyLabelValues?: number;
  readonly decreasingCounters?: number;
};

/**
 * Changes held for a missing parent: rows and encoded bytes in all, and the
 * most any one origin holds (what the buffer's bounds limit, PROTOCOL §11).
 */
export type DependencyUsage = {
  readonly rows: number;
  readonly bytes: number;
  readonly maxOriginRows: number;
  readonly maxOriginBytes: number;
};

/** The replica's check of its derived tree index (closure) against its parent links. */
export type TreeReport =
  | { readonly ok: true; readonly links: number }
  | { readonly ok: false; readonly detail: string };

/** One local write. `deleted` makes it a tombstone (fields ignored). */
export type WriteOp = {
  readonly resource: Resource;
  readonly id: IdHex;
  readonly deleted?: boolean;
  readonly fields?: Fields;
};

/** Consecutive committed changes of one of the replica's own streams. */
export type CommittedBatch = {
  readonly stream: StreamRef;
  /** Seq before the first change; absent when it is the stream's first. */
  readonly prevSeq: bigint | undefined;
  readonly changes: readonly RowVersion[];
  /**
   * Unconfirmed (PROTOCOL §3.7): committed right after an open, not yet
   * emitted; the seqs may still move above what a peer held. The oracle
   * learns these rows at their final seqs once the origin confirms.
   */
  readonly provisional?: boolean;
};

/** A commit either happened, or the replica refused it for now (e.g. an origin rewind). */
export type CommitResult =
  | { readonly kind: "committed"; readonly batches: readonly CommittedBatch[] }
  | { readonly kind: "refused"; readonly reason: string };

/**
 * Damage to a stopped replica's durable state, behind its back (the
 * corruption faults). Counts and fingerprints are recomputed from what is
 * left, so nothing looks wrong locally.
 */
export type Corruption =
  /** The rows vanish (with their tree links). */
  | {
      readonly kind: "lose-rows";
      readonly rows: readonly { readonly stream: StreamRef; readonly id: IdHex }[];
    }
  /** Live rows silently go back to an older version (its seq and fields). */
  | { readonly kind: "revert-rows"; readonly rows: readonly RowVersion[] }
  /** The cursor jumps to `cursor` without the changes in between (an injected leapfrog). */
  | { readonly kind: "claim-cursor"; readonly stream: StreamRef; readonly cursor: bigint };

/** A durable image of a replica's committed state (opaque to the harness). */
export type DiskImage = Uint8Array;
