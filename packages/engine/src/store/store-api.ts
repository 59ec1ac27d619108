// The data plane's contract: what the control plane (sync/) and the hosts
// may ask of one replica's SQLite store. Implemented by store/store.ts.
// All methods are synchronous (better-sqlite3) and each is one transaction.
import type {
  BackfillResponse,
  Change,
  Resource,
  StreamHead,
  StreamId,
  StreamWatermark,
} from "@tidemark/protocol";

/** Lowercase hex of a 16-byte id (32 chars): map keys, logs, SQL params. */
export type IdHex = string;

/** A stream as a value: `${originHex}/${resource}` is its canonical key. */
export type StreamKey = { readonly origin: IdHex; readonly resource: Resource };

/** A local write. `body` is a Change body; tombstone deletes the row. */
export type LocalWrite = {
  readonly resource: Resource;
  readonly rowId: Uint8Array;
  readonly body: Change["body"];
};

/** Consecutive changes of one stream, as pushed in realtime. */
export type CommittedBatch = {
  readonly stream: StreamKey;
  /** Seq just before the first change; undefined when it is seq 1. */
  readonly prevSeq: bigint | undefined;
  readonly changes: readonly Change[];
  /**
   * Unconfirmed (PROTOCOL §3.7): committed and visible here, but not to be
   * pushed; the seqs may still be renumbered above seqs a peer turns out to
   * hold, and the stream is pulled by peers once confirmed.
   */
  readonly provisional: boolean;
};

/**
 * apply()'s mode: continue the realtime chain after `prevSeq`, one pull
 * page, or parents fetched by id for a pulling stream's held changes
 * (`parents`: applied like a page, but the resume point stays — the rows
 * between it and the parents' seqs have not arrived).
 */
/**
 * The source of an unfinished pull's pages: the peer that served them and
 * the cursor it advertised when the call started (undefined: none known).
 */
export type ResumeSource = { readonly peer: string; readonly cursor: bigint | undefined };

export type ApplyOptions = (
  | { readonly mode: "chain"; readonly prevSeq: bigint | undefined }
  | {
      readonly mode: "page";
      /**
       * Who served the page: kept with the resume point it sets, which holds
       * only with that source (PROTOCOL.md §5.2 BF-19). Omitted: a source
       * no resume may use (the pull resumes from its gap-free point).
       */
      readonly source?: ResumeSource | undefined;
    }
  | { readonly mode: "parents" }
) & {
  /** The origin's raw public key the message carried (PROTOCOL.md §16 SG-3), if any. */
  readonly originKey?: Uint8Array | undefined;
  /**
   * The device the host's transport authenticated at the other end of the
   * call that carried these changes (the pusher, or the pinned responder of
   * a pull); undefined when callers are only claimed. Changes of a stream
   * whose origin is that device (and not us) need no signature check (§16 SG-8).
   */
  readonly sentBy?: IdHex | undefined;
};

/** Outcome of apply(): typed, never a thrown string. */
export type ApplyOutcome =
  | { readonly kind: "applied"; readonly cursor: bigint | undefined; readonly appliedCount: number }
  | {
      readonly kind: "gap";
      readonly cursor: bigint | undefined;
      readonly expectedPrev: bigint | undefined;
    }
  | { readonly kind: "rejected"; readonly error: import("../errors.js").EngineError };

/** Outcome of forgetRows(). */
export type ForgetOutcome =
  | {
      readonly kind: "forgotten";
      /** Rows (or held versions) removed. */
      readonly forgotten: readonly Uint8Array[];
      /** Rows kept because a hard child outside `ids` still references them. */
      readonly kept: readonly Uint8Array[];
    }
  | { readonly kind: "rejected"; readonly error: import("../errors.js").EngineError };

/** Page limits: at least one change is always served; maxBytes <= 0 means no byte limit. */
export type PageLimits = { readonly maxChanges: number; readonly maxBytes: number };

/** Per-stream local state, for status screens and the control plane. */
export type StreamState = {
  readonly stream: StreamKey;
  readonly cursor: bigint | undefined;
  readonly liveCount: bigint;
  readonly fingerprint: Uint8Array;
  readonly tombstoneHorizon: bigint | undefined;
  /** Highest seq ever applied, durable; >= cursor. */
  readonly maxAppliedSeq: bigint | undefined;
  /**
   * Unfinished pull: the seq it resumes after (the last page received in
   * order), durable; undefined: resume at the cursor. Never above
   * maxAppliedSeq, which out-of-order pages can push past rows never
   * received.
   */
  readonly resumeAfterSeq: bigint | undefined;
  /**
   * Unfinished pull: who served the pages through `resumeAfterSeq` (and
   * its cursor then). Only that source, at that cursor or above, may be
   * asked after the resume point; any other after `gaplessSeq` or the
   * cursor (PROTOCOL.md §5.2 BF-19). Undefined: no source may use it.
   */
  readonly resumeSource: ResumeSource | undefined;
  /**
   * Unfinished pull of another origin's stream: every seq after the cursor
   * through this one was received, no hole (§3.5 CU-5); undefined: none.
   */
  readonly gaplessSeq: bigint | undefined;
  /**
   * This device's own streams: the last seq it assigned. Above `cursor`
   * while changes are unconfirmed (PROTOCOL §3.7); undefined for other
   * origins' streams.
   */
  readonly headSeq: bigint | undefined;
  /** True while a pull is unfinished (cursor frozen, fingerprint not compared). */
  readonly pulling: boolean;
};

/** A sorted (id -> seq) view of one stream for reconciliation. */
export type ReconcileItem = { readonly id: Uint8Array; readonly seq: bigint };

export interface ReplicaStore {
  readonly deviceId: IdHex;
  readonly libraryId: IdHex;
  /** Stream rows holding nothing (left by earlier versions) deleted at open. */
  readonly repairedStreams: number;

  /**
   * Commits local writes in one transaction: assigns gap-free seqs per
   * stream (origin = this device), ticks and persists the HLC for shared
   * resources, maintains counts, fingerprints and the closure table.
   * Returns the committed changes grouped per stream, ready to push.
   * Throws EngineError: Invalid (bad id, missing parent not in the batch,
   * move under its own descendant), BodyMismatch, NotOrigin (a device-owned
   * row of another origin). Seqs continue after anything the stream ever
   * held (head, applied, cursor, rewind head). While own streams are
   * held (holdOwnCommits) the changes stay above the cursor, unconfirmed.
   */
  commit(writes: readonly LocalWrite[]): CommittedBatch[];

  /** True while own commits advance the cursor (a bare store starts confirmed). */
  readonly ownStreamsConfirmed: boolean;
  /**
   * From now on own commits stay unconfirmed: above the stream's cursor,
   * neither advertised (watermarks) nor served (changesAfter answers
   * NOT_HELD, reconcileItems/changesByIds nothing) — the replica does this
   * at open, since a restore cannot be told from a restart.
   */
  holdOwnCommits(): void;
  /**
   * Confirms every own stream (cursor := the last seq held) and goes back
   * to advancing cursors on commit. Refused (undefined) while an own
   * stream is pulled back or has a rewind hole; else the streams whose
   * cursor moved.
   */
  confirmOwnStreams(): StreamKey[] | undefined;
  /**
   * A pull-back served this own stream up to `peerHead`, beyond our cursor:
   * moves the unconfirmed changes to seqs above it (fingerprint terms
   * follow), so the pulled rows reuse no seq. Returns how many moved.
   * Applying pages or finishing a pull of an own stream does the same for
   * any seq past the current rewind head. Callers pass seqs served, never
   * a claimed cursor (PROTOCOL.md §3.7).
   */
  rewindOwn(stream: StreamKey, peerHead: bigint): number;
  /**
   * While own streams are unconfirmed: a verified head of our own stream
   * at `through` (signed by an earlier incarnation, before a restore)
   * means every seq up to it was assigned. Unconfirmed changes move above
   * it and the next seq follows it, so no seq is reused and, once
   * confirmed, the cursor is at least that head (PROTOCOL.md §16 SG-11).
   * Unlike rewindOwn it leaves no hole to pull back: a head is no rows.
   * Returns how many changes moved; nothing once confirmed.
   */
  reserveOwnSeqs(stream: StreamKey, through: bigint): number;

  /**
   * Applies changes of one stream from a peer, idempotently, all or nothing.
   * - Realtime (`mode: "chain"`): `prevSeq` must be <= cursor; the cursor
   *   advances over the contiguous chain. prevSeq > cursor -> `gap`. A
   *   stream mid-pull (cursor frozen) also answers `gap`, applying nothing,
   *   to a chain with any seq past its cursor: hold it until the pull ends.
   * - Pull page (`mode: "page"`): changes are made durable but the cursor
   *   does not move until finishPull(). Seqs must ascend within the page;
   *   the stream is marked pulling and resumes after the page's last seq.
   *   On another origin's stream, a page whose seqs run on with no hole
   *   from the cursor (or from the last such page) extends how far every
   *   seq was received: abandonPull() may end the pull there (CU-5).
   * Changes whose same-origin parent row is missing are held in the
   * dependency buffer: they count as held (fingerprint, count, serving)
   * and become visible when the parent lands. Errors (HlcTooFarAhead,
   * NotOrigin, BodyMismatch, SeqOutOfOrder, BufferFull, Invalid) come back
   * as `rejected` with nothing applied.
   */
  apply(stream: StreamKey, changes: readonly Change[], opts: ApplyOptions): ApplyOutcome;

  /**
   * Marks a held stream as pulling (idempotent, durable). A stream this
   * replica holds nothing of stays unknown: it becomes known when a page
   * of it is applied, never because a peer listed it.
   */
  beginPull(stream: StreamKey): void;
  /**
   * Moves an unfinished pull's resume point back to `afterSeq` (undefined
   * or at most the cursor: resume at the cursor), when the pages received
   * since can no longer be trusted to have come in order.
   */
  resumePullAfter(stream: StreamKey, afterSeq: bigint | undefined): void;
  /**
   * Ends a pull: cursor := completeThrough. Rejected (typed error) when
   * completeThrough < maxAppliedSeq of the stream. On a stream still
   * unknown (the pull applied nothing of it) it changes nothing and
   * answers `applied` with cursor undefined: a claim is not a cursor.
   */
  finishPull(stream: StreamKey, completeThrough: bigint): ApplyOutcome;

  /**
   * Ends a pull that applied nothing past the cursor, or nothing past the
   * seq through which it received every seq with no hole (the cursor then
   * moves there, PROTOCOL.md §3.5 CU-5): the stream keeps that cursor (no
   * longer pulling); one without, that holds nothing, is forgotten. A
   * stream that applied rows past both is untouched (its pull must finish
   * against a source holding them).
   */
  abandonPull(stream: StreamKey): void;

  /**
   * Full resync only (the stream must be pulling): removes rows of a
   * device-owned stream that the responder no longer has because their
   * deletes were pruned at or below its tombstone `horizon` — the row, its
   * held version, its fingerprint and count terms and its closure links.
   * Writes no change and no seq. Ids not held are ignored; a row still
   * referenced by a hard child outside `ids` is kept (reported in `kept`).
   * Rejected, with nothing changed: a stream not pulling, a shared
   * resource (Invalid), a row of another origin (NotOrigin), a row whose
   * seq is above `horizon` (BelowHorizon: its delete would still exist).
   */
  forgetRows(stream: StreamKey, ids: readonly Uint8Array[], horizon: bigint): ForgetOutcome;

  /**
   * Changes with seq > afterSeq, seq order, never beyond own cursor;
   * NOT_HELD for a stream without a cursor or of a resource we do not know.
   * `continued`: a later page of one Backfill call, whose request's
   * after_seq was already judged against the horizon; it is never
   * BELOW_HORIZON (PROTOCOL.md §5.2: that page is the stream's only one),
   * nor NOT_HELD: a stream no longer served since the call began (a pull
   * replaced a version not yet served, BF-18; an own stream came to hold
   * changes above its cursor, BF-20) throws Unavailable instead.
   */
  changesAfter(
    stream: StreamKey,
    afterSeq: bigint | undefined,
    limits: PageLimits,
    continued?: boolean,
  ): BackfillResponse;

  /** The public key of `origin` this replica holds (its own, or one a verified message carried). */
  originKey(origin: IdHex): Uint8Array | undefined;

  /**
   * A head statement of `stream`'s origin a peer sent (PROTOCOL.md §16
   * SG-9), checked with its own origin_key, `carriedKey` (the key that came
   * with the stream's changes) or the stored key. Verified and of another
   * origin's stream this replica holds: kept (with the key) when higher than
   * the one kept, and relayed from then on. Returns the verified seq, or why
   * it was not believed; never throws.
   */
  noteHead(
    stream: StreamKey,
    head: StreamHead,
    carriedKey?: Uint8Array,
  ): { readonly seq: bigint } | { readonly refused: import("../identity/verify.js").HeadRefusal };
  /**
   * The highest seq of `stream` its origin vouched for that this replica
   * verified: another origin's kept head; on an own stream, its confirmed
   * cursor. Undefined: none (the stream is unknown, or no head was seen).
   */
  verifiedHead(stream: StreamKey): bigint | undefined;

  /** Every known stream's watermark (FK order), for ExchangeWatermarks. */
  watermarks(): StreamWatermark[];
  streamState(stream: StreamKey): StreamState | undefined;
  streams(): StreamState[];

  /** Live entries and retained tombstones of a stream, ascending by id. */
  reconcileItems(stream: StreamKey): readonly ReconcileItem[];
  /** Current change (live or tombstone) of each id held, ascending by id. */
  changesByIds(stream: StreamKey, ids: readonly Uint8Array[]): Change[];

  /** Prunes tombstones with seq <= horizon in a stream; never changes fingerprints. */
  pruneTombstones(stream: StreamKey, horizon: bigint): number;
  /**
   * The lowest seq of a tombstone of a shared stream whose HLC is at or
   * past `hlc` (none for device-owned streams): what retention keeps.
   */
  firstTombstoneFrom(stream: StreamKey, hlc: bigint): bigint | undefined;

  /** Current HLC (persisted), as 48-bit ms << 16 | counter. */
  hlcNow(): bigint;
  /**
   * The physical time the HLC and the max-offset rule read: the wall clock,
   * or, when that is behind, the highest reading seen carried forward by
   * the monotonic clock (hlc/reference-clock.ts). Unix ms.
   */
  physicalNow(): number;
  /**
   * Distinct ids of rows that held changes of `stream` wait for (at most
   * `max`), for fetching them by id when the buffer is full (§3.6 RF-5).
   */
  awaitedParents(stream: StreamKey, max: number): Uint8Array[];
  /** Rows and bytes waiting for a missing parent (bounded, PROTOCOL.md §11). */
  dependencyStats(): import("./dep-buffer.js").DependencyStats;
  close(): void;
}

/** Helpers every layer needs for StreamId <-> StreamKey. */
export type StreamIdLike = StreamId | StreamKey;
