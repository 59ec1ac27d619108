// Reconcile (equal cursors, fingerprints differ) and full resync (below
// the peer's tombstone horizon): find exactly the rows that differ with
// range-based reconciliation, fetch them by id, apply them as one pull.
import { create, toBinary } from "@bufbuild/protobuf";
import {
  type Change,
  ChangeSchema,
  ErrorReason,
  MAX_WANT_IDS,
  type ReconcileRange,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
  validateReconcileResponse,
} from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";
import { type ReconcileInitiator, reconcileSetOf } from "../reconcile/index.js";
import { maxReconcileRounds } from "../reconcile/round-bound.js";
import type { StreamKey } from "../store/store-api.js";
import { checkResponse, noteRefusal } from "./check-response.js";
import { authenticatedSender, noteForgery, type SyncContext, seqField } from "./context.js";
import { noteUnverifiedClaim, verifiedCeiling } from "./heads.js";
import { streamIdFromKey, streamKeyString, toHex } from "./ids.js";
import { CODED_SYMBOLS_CAPABILITY, type PeerSync } from "./peer-sync.js";

export type ReconcileMode = "reconcile" | "full-resync";

export type ReconcileOutcome = {
  readonly fetched: number;
  readonly applied: number;
  /** Ids we hold that the peer lacks: kept, reported, never silently dropped. */
  readonly extra: number;
  readonly roundTrips: number;
};

/**
 * A reconciliation's state between attempts, so a retry resumes where the
 * last one stopped instead of starting from zero. The responder keeps no
 * state (§7), so re-sending the unanswered message `next` is always safe.
 * Valid only while our side of the stream is unchanged (`cursor` and
 * `fingerprint` as when it started) and against the same peer; the caller
 * checks that and otherwise starts afresh.
 */
export type ReconcileProgress = {
  readonly peer: string;
  readonly cursor: bigint | undefined;
  readonly fingerprint: Uint8Array;
  readonly initiator: ReconcileInitiator;
  /** The message to send next (undefined once the rounds are done). */
  next: ReconcileRange[] | undefined;
  /** Rounds over all attempts. */
  rounds: number;
  /** The peer's cursor from its last reply. */
  peerCursor: bigint | undefined;
  /** The peer's stream moved or vanished under the run: never resume it (RC-14). */
  void?: boolean;
};
// At most MAX_WANT_IDS ids per Reconcile request (protocol limits).
const FETCH_CHUNK = MAX_WANT_IDS;

/**
 * Runs one reconciliation of `stream` against `source` and applies what
 * the peer holds newer. In `reconcile` mode (equal cursors) only changes
 * at or below our cursor are applied, and the cursor stays; in
 * `full-resync` mode the cursor moves to the peer's. Rows only we hold
 * are reported loudly (metric + error event), not deleted.
 */
export async function runReconcile(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  mode: ReconcileMode,
  resume?: ReconcileProgress,
  onProgress?: (progress: ReconcileProgress) => void,
): Promise<ReconcileOutcome> {
  const { store } = ctx;
  const key = streamKeyString(stream);
  const before = store.streamState(stream);
  const progress = resume ?? startProgress(ctx, source, stream);
  onProgress?.(progress);
  const { initiator } = progress;
  // Each attempt may take as many rounds as an honest peer can need for
  // these set sizes (round-bound.ts); only a peer making no progress hits
  // it. The work done so far is kept in `progress`, so the retry after
  // backoff resumes. Resuming rather than re-pulling the stream keeps the
  // transfer to the differing rows (a re-pull would resend all of them).
  const remoteItems = Number(source.remote.get(key)?.cursor ?? 0n);
  const bound = maxReconcileRounds(initiator.set.size, remoteItems);
  let attemptRounds = 0;
  let peerCursor = progress.peerCursor;
  while (progress.next !== undefined) {
    if (++attemptRounds > bound) {
      const message = `reconcile: more than ${bound} rounds`;
      noteRefusal(ctx, source, "reconcile", { reason: MALFORMED, field: "ranges", message });
      throw new EngineError(EngineErrorCode.Internal, "reconcile: too many rounds", {
        stream: key,
        rounds: progress.rounds,
        bound,
      });
    }
    const res = await reconcileCall(ctx, source, stream, progress.next, []);
    checkReplyCursor(progress, res.cursor, mode, key);
    peerCursor = res.cursor;
    progress.peerCursor = res.cursor;
    progress.next = takeReply(ctx, source, initiator, res.ranges);
    progress.rounds++;
  }
  const rounds = progress.rounds;
  const ownStream = stream.origin === ctx.deviceId;
  const fetched: Change[] = [];
  let originKey: Uint8Array | undefined;
  for (let i = 0; i < initiator.need.length; i += FETCH_CHUNK) {
    const res = await reconcileCall(
      ctx,
      source,
      stream,
      [],
      initiator.need.slice(i, i + FETCH_CHUNK),
    );
    if (ctx.closed) return { fetched: 0, applied: 0, extra: 0, roundTrips: rounds };
    checkReplyCursor(progress, res.cursor, mode, key);
    peerCursor = res.cursor;
    fetched.push(...res.changes);
    if (res.originKey.length > 0) originKey = res.originKey;
  }
  const localCursor = store.streamState(stream)?.cursor ?? before?.cursor;
  const limit =
    mode === "reconcile"
      ? localCursor
      : resyncCursor(ctx, source, stream, peerCursor, localCursor, fetched);
  const usable = fetched.filter((c) => limit !== undefined && c.seq <= limit);
  let extraIds: readonly Uint8Array[] = initiator.have;
  let forget: { ids: Uint8Array[]; horizon: bigint } | undefined;
  if (mode === "full-resync" && extraIds.length > 0 && limit !== undefined) {
    const deletes = await prunedDeletes(ctx, source, stream, initiator, limit);
    forget = deletes.forget;
    extraIds = deletes.kept;
  }
  let applied = 0;
  if (limit !== undefined && (usable.length > 0 || mode === "full-resync")) {
    store.beginPull(stream);
    if (usable.length > 0) {
      usable.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
      const outcome = store.apply(stream, usable, {
        mode: "page",
        originKey,
        sentBy: authenticatedSender(ctx, source.peer),
      });
      if (outcome.kind === "rejected") {
        noteForgery(ctx, outcome.error, { peer: source.peer, stream: streamKeyString(stream) });
        throw outcome.error;
      }
      applied = usable.length;
    }
    // Rows whose deletes the responder pruned: removed by the store, no
    // change written, no seq made up.
    if (forget !== undefined) {
      const out = store.forgetRows(stream, forget.ids, forget.horizon);
      if (out.kind === "rejected") throw out.error;
      extraIds = [...extraIds, ...out.kept];
    }
    const fin = store.finishPull(stream, limit);
    if (fin.kind === "rejected") throw fin.error;
  }
  // Ids only we hold: a peer that is the stream's origin no longer has the
  // row (a delete pruned everywhere, or corruption here). Keep and report.
  const extra =
    mode === "full-resync" || (source.peer === stream.origin && !ownStream) ? extraIds.length : 0;
  const labels = { peer: source.peer, stream: key };
  ctx.metrics.inc(
    mode === "reconcile" ? "tidemark_reconciles_total" : "tidemark_full_resyncs_total",
    labels,
  );
  ctx.metrics.inc("tidemark_records_in_total", labels, applied);
  if (extra > 0) {
    ctx.metrics.inc("tidemark_unresolved_rows_total", { stream: key }, extra);
    ctx.log(
      "error",
      {
        event: "reconcile-unresolved-rows",
        peer: source.peer,
        stream: key,
        state: source.state,
        rows: extra,
      },
      "holding rows the origin no longer has; kept, not deleted",
    );
  }
  ctx.log(
    "info",
    {
      event: mode === "reconcile" ? "reconcile-finished" : "full-resync-finished",
      peer: source.peer,
      stream: key,
      state: source.state,
      rounds,
      need: initiator.need.length,
      have: initiator.have.length,
      applied,
      // Encoded size of the changes applied: what an ideal repair moves.
      appliedBytes: usable.reduce((n, c) => n + toBinary(ChangeSchema, c).length, 0),
      cursor: seqField(store.streamState(stream)?.cursor),
      peerCursor: seqField(peerCursor),
    },
    `${mode} finished`,
  );
  return { fetched: fetched.length, applied, extra, roundTrips: rounds };
}

/**
 * Full resync only: rows we hold that the responder no longer has at all,
 * at a seq at or below its tombstone horizon, were deleted and their
 * tombstones pruned. They are returned to be forgotten (store.forgetRows)
 * against that horizon, so nothing is resurrected: on a shared stream too,
 * where the entry is the origin's version and the row then shows as the
 * other origins' entries decide (RC-13). Rows above the horizon are kept
 * and reported.
 */
async function prunedDeletes(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  initiator: ReconcileInitiator,
  peerCursor: bigint,
): Promise<{ forget: { ids: Uint8Array[]; horizon: bigint } | undefined; kept: Uint8Array[] }> {
  const horizon = source.remote.get(streamKeyString(stream))?.tombstoneHorizon;
  if (horizon === undefined || horizon > peerCursor) {
    return { forget: undefined, kept: initiator.have };
  }
  const missing = new Set<string>();
  for (let i = 0; i < initiator.have.length; i += FETCH_CHUNK) {
    const res = await reconcileCall(
      ctx,
      source,
      stream,
      [],
      initiator.have.slice(i, i + FETCH_CHUNK),
    );
    for (const id of res.missingIds) missing.add(toHex(id));
  }
  const ownSeq = new Map<string, bigint>();
  for (let k = 0; k < initiator.set.size; k++)
    ownSeq.set(toHex(initiator.set.idAt(k)), initiator.set.seqAt(k));
  const ids: Uint8Array[] = [];
  const kept: Uint8Array[] = [];
  for (const id of initiator.have) {
    const seq = ownSeq.get(toHex(id));
    // Its delete came after seq and at or below the horizon: pruned there.
    if (missing.has(toHex(id)) && seq !== undefined && seq < horizon) ids.push(id);
    else kept.push(id);
  }
  if (ids.length > 0) {
    ctx.log(
      "warn",
      {
        event: "full-resync-deletes",
        peer: source.peer,
        stream: streamKeyString(stream),
        rows: ids.length,
        horizon: seqField(horizon),
      },
      "forgetting rows whose deletes the peer pruned",
    );
  }
  return { forget: ids.length > 0 ? { ids, horizon } : undefined, kept };
}

/** Why the initiator's own checks refuse a reply (the metric's reason). */
const MALFORMED = ErrorReason[ErrorReason.MALFORMED];

/**
 * The initiator's step over a reply. A reply it refuses (inconsistent with
 * what we sent, undecodable) is counted and logged as a validator's refusal
 * is: the validator sees one message, the initiator the whole exchange.
 */
function takeReply(
  ctx: SyncContext,
  source: PeerSync,
  initiator: ReconcileInitiator,
  ranges: ReconcileRange[],
): ReconcileRange[] | undefined {
  try {
    return initiator.reconcile(ranges);
  } catch (err) {
    if (err instanceof EngineError && err.code === EngineErrorCode.Invalid) {
      const at = err.details.rangeIndex;
      const field = at === undefined ? "ranges" : `ranges[${String(at)}]`;
      noteRefusal(ctx, source, "reconcile", { reason: MALFORMED, field, message: err.message });
    }
    throw err;
  }
}

/**
 * A reply without a cursor: the peer does not hold the stream, which is
 * never "all settled" (RC-4). In a full resync every reply carries the
 * cursor of the first, or the need/have were computed against a state the
 * peer no longer has (RC-14): the run is void and starts again.
 */
function checkReplyCursor(
  progress: ReconcileProgress,
  cursor: bigint | undefined,
  mode: ReconcileMode,
  key: string,
): void {
  const seen = progress.rounds > 0 || progress.peerCursor !== undefined;
  if (cursor === undefined) {
    progress.void = true;
    throw new EngineError(EngineErrorCode.Invalid, "reconcile: the peer does not hold the stream", {
      stream: key,
    });
  }
  if (mode === "full-resync" && seen && cursor !== progress.peerCursor) {
    progress.void = true;
    throw new EngineError(EngineErrorCode.Unavailable, "reconcile: the peer's stream moved", {
      stream: key,
      cursor,
      was: progress.peerCursor,
    });
  }
}

function startProgress(ctx: SyncContext, source: PeerSync, stream: StreamKey): ReconcileProgress {
  const st = ctx.store.streamState(stream);
  // Coded symbols only with a peer that announced them (VR-6); otherwise
  // version 1 range rounds.
  const initiator = ctx.initiator(reconcileSetOf(ctx.store.reconcileItems(stream)), {
    codedSymbols: source.capabilities.includes(CODED_SYMBOLS_CAPABILITY),
  });
  return {
    peer: source.peer,
    cursor: st?.cursor,
    fingerprint: st?.fingerprint ?? new Uint8Array(16),
    initiator,
    next: initiator.initiate(),
    rounds: 0,
    peerCursor: undefined,
  };
}

/** One Reconcile request to `source` (ranges and/or want_ids), validated. */
export async function reconcileCall(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  ranges: ReconcileRange[],
  wantIds: Uint8Array[],
) {
  if (source.owesHello) await source.helloAgain(); // ER-5
  const deadline = source.deadline("reconcile");
  try {
    const req = create(ReconcileRequestSchema, {
      libraryId: ctx.libraryIdBytes,
      deviceId: ctx.deviceIdBytes,
      stream: streamIdFromKey(stream),
      ranges,
      wantIds,
    });
    ctx.metrics.inc(
      "tidemark_bytes_out_total",
      { peer: source.peer },
      toBinary(ReconcileRequestSchema, req).length,
    );
    const answer = await source.client().reconcile(req, { signal: deadline.signal });
    ctx.metrics.inc(
      "tidemark_bytes_in_total",
      { peer: source.peer },
      toBinary(ReconcileResponseSchema, answer).length,
    );
    return checkResponse(
      ctx,
      source,
      "reconcile",
      validateReconcileResponse(answer, { request: req }),
    );
  } finally {
    source.release(deadline);
  }
}

/**
 * The cursor a full resync adopts: the peer's, but for another origin's
 * stream never above what that origin vouched for (CU-8) — the highest
 * verified head, or the highest seq fetched (verified when applied).
 */
function resyncCursor(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  peerCursor: bigint | undefined,
  localCursor: bigint | undefined,
  fetched: readonly { readonly seq: bigint }[],
): bigint | undefined {
  if (peerCursor === undefined || stream.origin === ctx.deviceId) return peerCursor;
  let top = localCursor;
  for (const c of fetched)
    if (c.seq <= peerCursor && (top === undefined || c.seq > top)) top = c.seq;
  const ceiling = verifiedCeiling(ctx, source, stream, top, undefined);
  if (ceiling !== undefined && peerCursor <= ceiling) return peerCursor;
  noteUnverifiedClaim(ctx, source, stream, peerCursor, ceiling, "reconcile");
  return ceiling;
}
