// Pull: paged Backfill of several streams from one source, in FK order.
// Pages are applied (durable) as they arrive; a stream's cursor jumps when
// its last page is in (finishPull), and before that only over pages that
// continue it with no hole (the store moves it, §3.5 CU-5), so a pull cut
// there is over wherever its source went. A retry resumes after the last
// page received in order, so a timeout mid-backfill costs at most one page;
// a stream whose page our store refuses is set aside and the others go on.
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BackfillRequestSchema,
  type BackfillResponse,
  BackfillResponseSchema,
  PageStatus,
  type StreamId,
  validateBackfillResponse,
} from "@tidemark/protocol";
import { EngineError, EngineErrorCode, isEngineError } from "../errors.js";
import { maxDefined } from "../seq.js";
import type { StreamKey } from "../store/store-api.js";
import { checkResponse } from "./check-response.js";
import { MAX_PAGE_SHRINK, pageLimits, pageTimeoutMs } from "./config.js";
import {
  authenticatedSender,
  noteBoundRefusal,
  noteForgery,
  type SyncContext,
  seqField,
} from "./context.js";
import { noteHead, noteUnverifiedClaim, verifiedCeiling } from "./heads.js";
import {
  compareStreams,
  streamIdFromKey,
  streamKeyFromId,
  streamKeyFromString,
  streamKeyString,
} from "./ids.js";
import { fetchAwaitedParents, MAX_PARENT_ROUNDS } from "./parent-fetch.js";
import type { PeerSync } from "./peer-sync.js";

export type PullItem = { readonly stream: StreamKey; readonly afterSeq: bigint | undefined };

export type PullResult = {
  /** Streams whose pull finished (cursor moved to complete_through). */
  readonly finished: StreamKey[];
  /** Streams the source refused as below its tombstone horizon. */
  readonly belowHorizon: StreamKey[];
  /** Streams whose pull could not finish (source behind what we applied, not held). */
  readonly unfinished: StreamKey[];
  /**
   * Streams our store refused a page of (an HLC too far ahead, a missing
   * parent past the buffer's bound, …): left where they stopped, while the
   * other streams went on in a new call.
   */
  readonly refused: { readonly stream: StreamKey; readonly error: EngineError }[];
  records: number;
};

type Pending = { readonly stream: StreamKey; afterSeq: bigint | undefined };

/**
 * Pulls `items` from `source`. Throws on transport errors, timeouts and
 * invalid answers (pages already applied stay applied, counted in
 * `progress` as they land). A stream whose page our store refuses is
 * isolated: the call is cut, that stream is reported in `refused`, and the
 * streams after it are pulled in a new call, so one bad stream never
 * blocks the rest of a Backfill.
 */
export async function runPull(
  ctx: SyncContext,
  source: PeerSync,
  items: readonly PullItem[],
  progress: { records: number } = { records: 0 },
): Promise<PullResult> {
  const sorted = [...items].sort((a, b) => compareStreams(a.stream, b.stream));
  for (const item of sorted) ctx.store.beginPull(item.stream);
  const result: PullResult = {
    finished: [],
    belowHorizon: [],
    unfinished: [],
    refused: [],
    records: 0,
  };
  const open = new Map<string, Pending>(
    sorted.map((i) => [streamKeyString(i.stream), { stream: i.stream, afterSeq: i.afterSeq }]),
  );
  try {
    // Each call removes at least the stream it stops at: bounded.
    for (let calls = 0; open.size > 0 && calls <= sorted.length; calls++) {
      const refused = await pullCall(ctx, source, open, result, progress);
      if (refused === undefined) break;
      result.refused.push(refused);
      open.delete(streamKeyString(refused.stream));
      settleWithoutSource(ctx, source, refused.stream);
    }
    return result;
  } catch (err) {
    // A stream that got nothing past its cursor is not left "pulling", so
    // its realtime changes flow again instead of waiting for a retry.
    if (!ctx.closed) for (const p of open.values()) settleWithoutSource(ctx, source, p.stream);
    throw err;
  }
}

/** What one call has seen of each of its streams. */
type CallState = {
  /** Each stream's resume point when the call started. */
  readonly startAfter: ReadonlyMap<string, bigint | undefined>;
  /** Highest seq applied from this call, per stream. */
  readonly appliedHere: Map<string, bigint>;
  /** What the source claimed of each stream when the call started: checked against what it serves. */
  readonly told: ReadonlyMap<string, bigint | undefined>;
  /** The verified head of the origin a stream's last page carried (§5.2). */
  readonly pageHead: Map<string, bigint>;
};

/**
 * One Backfill call for the `open` streams (removed as they finish, their
 * `afterSeq` moved past each applied page). Returns the stream whose page
 * the store refused, having cut the call there; undefined when the call
 * ended with every stream done. An invalid page (out of order, …) breaks
 * the responder's earlier promises too: every stream of the call resumes
 * where the call started, never past rows it may not have received.
 */
async function pullCall(
  ctx: SyncContext,
  source: PeerSync,
  open: Map<string, Pending>,
  result: PullResult,
  progress: { records: number },
): Promise<{ stream: StreamKey; error: EngineError } | undefined> {
  const { config } = ctx;
  const call: CallState = {
    startAfter: new Map([...open].map(([k, p]) => [k, p.afterSeq])),
    appliedHere: new Map(),
    told: new Map([...open.keys()].map((k) => [k, source.remote.get(k)?.cursor])),
    pageHead: new Map(),
  };
  // A later page must stay above what this call applied (previousCursor).
  const previousCursor = (id: StreamId) =>
    call.appliedHere.get(streamKeyString(streamKeyFromId(id)));
  const timeout = pageTimeoutMs(config);
  const limits = pageLimits(config, source.pageShrink);
  const mono = () => ctx.ports.clock.monotonic();
  // Before the page deadline runs: a Hello owed after UNKNOWN_PEER goes first (ER-5).
  if (source.owesHello) await source.helloAgain();
  const deadline = source.deadline("backfill", timeout);
  let armedAt = mono();
  let timedOut = false;
  let grew = false;
  try {
    const request = create(BackfillRequestSchema, {
      libraryId: ctx.libraryIdBytes,
      deviceId: ctx.deviceIdBytes,
      streams: [...open.values()].map((p) => ({
        stream: streamIdFromKey(p.stream),
        afterSeq: p.afterSeq,
      })),
      maxChangesPerPage: limits.maxChanges,
      maxPageBytes: limits.maxBytes,
    });
    const pages = source.client().backfill(request, { signal: deadline.signal });
    for await (const answer of pages) {
      if (ctx.closed) return undefined;
      if (!grew) grew = growIfFast(source, answer, limits, mono() - armedAt < timeout / 4);
      deadline.arm(timeout);
      armedAt = mono();
      const page = checkResponse(
        ctx,
        source,
        "backfill",
        validateBackfillResponse(answer, { request, previousCursor }),
      );
      // Fetching awaited parents may take a while: the page is in hand.
      deadline.disarm();
      const refused = await onPage(ctx, source, open, call, page, result, progress);
      deadline.arm(timeout);
      armedAt = mono();
      if (refused !== undefined) {
        // Cut this call (the responder stops serving); the rest go on anew.
        deadline.abort(refused.error);
        return refused;
      }
    }
    if (open.size > 0) {
      throw new EngineError(
        EngineErrorCode.Unavailable,
        "backfill ended before every stream was done",
        {
          open: [...open.keys()].join(","),
        },
      );
    }
    return undefined;
  } catch (err) {
    if (isEngineError(err) && err.code === EngineErrorCode.Invalid && !ctx.closed) {
      distrustCall(ctx, open, call);
    }
    // The host's own call deadline cut the stream: as much a timeout as ours.
    if (err instanceof ConnectError && err.code === Code.DeadlineExceeded) timedOut = true;
    throw err;
  } finally {
    source.release(deadline);
    if (deadline.expired || timedOut) shrinkPages(ctx, source, limits);
  }
}

/** Applies one validated page; returns the stream if the store refused it. */
async function onPage(
  ctx: SyncContext,
  source: PeerSync,
  open: Map<string, Pending>,
  call: CallState,
  page: BackfillResponse,
  result: PullResult,
  progress: { records: number },
): Promise<{ stream: StreamKey; error: EngineError } | undefined> {
  const stream = streamKeyFromId(page.stream);
  const key = streamKeyString(stream);
  const pending = open.get(key);
  if (pending === undefined) {
    throw new EngineError(EngineErrorCode.Invalid, "backfill page for a stream not requested", {
      stream: key,
    });
  }
  const applied = await applyWithParents(ctx, source, stream, page, progress, call.told.get(key));
  if (applied.kind === "refused") return { stream, error: applied.error };
  result.records += applied.count;
  // Only changes new to us are progress (bug 6): a source whose pages are
  // refused sends the same rows again on every retry.
  progress.records += applied.fresh;
  const last = page.changes.at(-1)?.seq;
  if (last !== undefined) {
    call.appliedHere.set(key, last);
    pending.afterSeq = last;
  }
  if (page.status === PageStatus.BELOW_HORIZON) {
    result.belowHorizon.push(stream);
    open.delete(key);
  } else if (page.status === PageStatus.NOT_HELD) {
    source.settleClaim(key, call.told.get(key), undefined);
    settleWithoutSource(ctx, source, stream);
    result.unfinished.push(stream);
    open.delete(key);
  } else if (page.streamDone) {
    open.delete(key);
    const head = noteHead(ctx, source.peer, stream, page.head, page.originKey);
    if (head !== undefined) call.pageHead.set(key, head);
    const bound = claimable(
      ctx,
      source,
      stream,
      call.startAfter.get(key),
      call.appliedHere.get(key),
      call.pageHead.get(key),
    );
    const told = call.told.get(key);
    if (finish(ctx, source, stream, page.completeThrough, bound, told))
      result.finished.push(stream);
    else result.unfinished.push(stream);
  }
  return undefined;
}

/** The call broke its promises: its streams resume where it started. */
function distrustCall(ctx: SyncContext, open: Map<string, Pending>, call: CallState): void {
  for (const [key, after] of call.startAfter) {
    if (!call.appliedHere.has(key)) continue;
    const p = open.get(key);
    if (p !== undefined) p.afterSeq = after;
    const stream = p?.stream ?? streamKeyFromString(key);
    ctx.store.resumePullAfter(stream, after);
  }
}

/** The bound a finishing pull is held to, and which rule set it. */
type Bound = { readonly seq: bigint | undefined; readonly unverified: boolean };

/**
 * The highest complete_through a source may make us finish at (PROTOCOL.md
 * §5.2, "Pages a caller cannot trust"): what it actually delivered (the
 * call's start and the highest seq it served) or, for another origin's
 * stream, what it advertised in its last exchange (its cursor, or its
 * tombstone horizon: pruned deletes at the top leave nothing to serve) —
 * but never above what the origin itself vouched for (CU-8: a verified
 * head), since a relay's own claims would let it move our cursor of a
 * third device's stream past rows we never got. On our own streams we are
 * the origin: a peer proves seqs of them only by serving them, so its
 * advertised cursor justifies nothing — else a phantom complete_through
 * renumbers our unconfirmed seqs to it. Undefined: nothing justifies any cursor.
 */
function claimable(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  start: bigint | undefined,
  served: bigint | undefined,
  pageHead: bigint | undefined,
): Bound {
  const delivered = maxDefined(start, served);
  if (stream.origin.toLowerCase() === ctx.deviceId) return { seq: delivered, unverified: false };
  const told = source.remote.get(streamKeyString(stream));
  const advertised = maxDefined(delivered, maxDefined(told?.cursor, told?.tombstoneHorizon));
  const ceiling = verifiedCeiling(ctx, source, stream, delivered, pageHead);
  if (advertised === undefined) return { seq: undefined, unverified: false };
  if (ceiling === undefined || advertised > ceiling) return { seq: ceiling, unverified: true };
  return { seq: advertised, unverified: false };
}

/**
 * A full page well inside the timeout: the next call may ask for pages
 * twice the size (called once a call at most: its limits are fixed). Only
 * a page the responder filled (more of its stream follows, or it reached
 * the change limit) shows that; a short one (a small stream's last page)
 * says nothing about the link. Returns whether the limits grew.
 */
function growIfFast(
  source: PeerSync,
  page: BackfillResponse,
  limits: { readonly maxChanges: number },
  fast: boolean,
): boolean {
  const full =
    page.changes.length > 0 && (!page.streamDone || page.changes.length >= limits.maxChanges);
  if (!fast || !full || source.pageShrink === 0) return false;
  source.pageShrink--;
  return true;
}

/**
 * A page did not land within the timeout: the link is slower than a page
 * per timeout, so the next call asks for pages half the size (bytes in
 * flight scale down until a page fits), never below one change.
 */
function shrinkPages(
  ctx: SyncContext,
  source: PeerSync,
  was: { readonly maxChanges: number; readonly maxBytes: number },
): void {
  if (source.pageShrink >= MAX_PAGE_SHRINK || (was.maxChanges === 1 && was.maxBytes === 1)) return;
  source.pageShrink++;
  const next = pageLimits(ctx.config, source.pageShrink);
  ctx.log(
    "info",
    {
      event: "backfill-pages-shrunk",
      peer: source.peer,
      state: source.state,
      maxChanges: next.maxChanges,
      maxBytes: next.maxBytes,
    },
    "a backfill page timed out: asking this source for smaller pages",
  );
}

/**
 * A page of our own stream pulled back: our unconfirmed changes move above
 * its rows first, counted and logged here (the store would move them too,
 * silently). Only served rows move them — a claim never does (§3.7).
 */
function makeRoomForOwnRows(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  page: BackfillResponse,
): void {
  const last = page.changes.at(-1)?.seq;
  if (stream.origin.toLowerCase() !== ctx.deviceId || last === undefined) return;
  if (ctx.store.ownStreamsConfirmed) return;
  const moved = ctx.store.rewindOwn(stream, last);
  if (moved === 0) return;
  const key = streamKeyString(stream);
  ctx.metrics.inc("tidemark_own_resequenced_total", { stream: key }, moved);
  ctx.log(
    "warn",
    {
      event: "own-resequenced",
      peer: source.peer,
      stream: key,
      above: seqField(last),
      changes: moved,
    },
    "unconfirmed own changes moved above seqs a peer served (restored from a backup?)",
  );
}
/**
 * Applies a page; when the dependency buffer is full, fetches the parents
 * its held changes of this stream wait for (§3.6 RF-5) and tries again —
 * each round frees the children of the parents it applied, bounded.
 */
async function applyWithParents(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  page: BackfillResponse,
  progress: { records: number },
  told: bigint | undefined,
): Promise<PageApplied> {
  let applied = applyPage(ctx, source, stream, page, told);
  for (let round = 0; round < MAX_PARENT_ROUNDS; round++) {
    if (applied.kind !== "refused" || applied.error.code !== EngineErrorCode.BufferFull) break;
    const missing = applied.error.details.missingParent;
    const parents = await fetchAwaitedParents(
      ctx,
      source,
      stream,
      typeof missing === "string" ? missing : undefined,
    );
    if (parents === 0 || ctx.closed) break;
    progress.records += parents;
    applied = applyPage(ctx, source, stream, page, told);
  }
  if (applied.kind === "refused") noteRefusal(ctx, source, stream, applied.error);
  return applied;
}

type PageApplied =
  | { readonly kind: "applied"; readonly count: number; readonly fresh: number }
  | { readonly kind: "refused"; readonly error: EngineError };

function applyPage(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  page: BackfillResponse,
  told: bigint | undefined,
): PageApplied {
  if (page.status !== PageStatus.OK || page.changes.length === 0)
    return { kind: "applied", count: 0, fresh: 0 };
  makeRoomForOwnRows(ctx, source, stream, page);
  const outcome = ctx.store.apply(stream, page.changes, {
    mode: "page",
    // The resume point this page sets holds with this source only (BF-19).
    source: { peer: source.peer, cursor: told },
    originKey: page.originKey,
    sentBy: authenticatedSender(ctx, source.peer),
  });
  const labels = { peer: source.peer, stream: streamKeyString(stream) };
  if (outcome.kind === "rejected") return { kind: "refused", error: outcome.error };
  ctx.metrics.inc("tidemark_records_in_total", labels, page.changes.length);
  ctx.metrics.inc(
    "tidemark_bytes_in_total",
    { peer: source.peer },
    toBinary(BackfillResponseSchema, page).length,
  );
  ctx.log(
    "debug",
    {
      event: "pull-page",
      peer: source.peer,
      stream: labels.stream,
      state: source.state,
      changes: page.changes.length,
      completeThrough: seqField(page.completeThrough),
    },
    "applied a backfill page",
  );
  const fresh = outcome.kind === "applied" ? outcome.appliedCount : 0;
  return { kind: "applied", count: page.changes.length, fresh };
}

/** A page refused for good (after any parents fetched): counted and logged. */
function noteRefusal(ctx: SyncContext, source: PeerSync, stream: StreamKey, error: EngineError) {
  const labels = { peer: source.peer, stream: streamKeyString(stream) };
  noteBoundRefusal(ctx, error, labels);
  noteForgery(ctx, error, labels);
  ctx.metrics.inc("tidemark_stream_refusals_total", { ...labels, code: error.code });
  ctx.log(
    "warn",
    {
      event: "pull-page-refused",
      peer: source.peer,
      stream: labels.stream,
      state: source.state,
      code: error.code,
      error: error.message,
    },
    "a backfill page was refused; the other streams go on",
  );
}

/**
 * Finishes a pull at complete_through; false (and logged) if the store
 * refuses. `told` is the source's cursor claim the call started from.
 */
function finish(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  claimed: bigint | undefined,
  limit: Bound,
  told: bigint | undefined,
): boolean {
  const key = streamKeyString(stream);
  const bound = limit.seq;
  // Beyond what the source delivered or may vouch for: finish at that bound
  // (none when it delivered nothing of an own stream with no cursor).
  const completeThrough =
    claimed !== undefined && (bound === undefined || claimed > bound) ? bound : claimed;
  if (completeThrough !== claimed && limit.unverified) {
    noteUnverifiedClaim(ctx, source, stream, claimed, bound, "backfill");
  }
  if (completeThrough !== claimed) {
    ctx.metrics.inc("tidemark_complete_through_clamped_total", { peer: source.peer, stream: key });
    ctx.log(
      "warn",
      {
        event: "complete-through-clamped",
        peer: source.peer,
        stream: key,
        state: source.state,
        claimed: seqField(claimed),
        completeThrough: seqField(completeThrough),
      },
      "peer claimed more than it delivered or advertised: finishing at what it delivered",
    );
  }
  if (completeThrough === undefined) {
    if (claimed !== undefined) source.settleClaim(key, told ?? claimed, undefined);
    settleWithoutSource(ctx, source, stream);
    return false;
  }
  const outcome = ctx.store.finishPull(stream, completeThrough);
  if (outcome.kind === "applied" && outcome.cursor === undefined) {
    // It served nothing of a stream we do not hold: its claim proved nothing.
    source.settleClaim(key, told ?? completeThrough, undefined);
    return false;
  }
  if (outcome.kind === "rejected") {
    // The source holds less than we already applied from someone else:
    // remember that and let a better source finish the pull (a cursor
    // already covering all we applied ends it here, CU-5).
    source.settleClaim(key, told, completeThrough);
    settleWithoutSource(ctx, source, stream);
    ctx.log(
      "warn",
      {
        event: "pull-unfinished",
        peer: source.peer,
        stream: key,
        state: source.state,
        completeThrough: seqField(completeThrough),
        error: outcome.error.message,
      },
      "pull could not finish against this source",
    );
    return false;
  }
  source.settleClaim(key, told, completeThrough);
  ctx.metrics.inc("tidemark_pulls_total", { peer: source.peer, stream: key });
  ctx.log(
    "info",
    {
      event: "pull-finished",
      peer: source.peer,
      stream: key,
      state: source.state,
      cursor: seqField(completeThrough),
    },
    "pull finished",
  );
  return true;
}

/**
 * Ends a pull that cannot go on with this source when nothing past the
 * cursor was applied, or nothing past the seqs it received with no hole
 * (store.abandonPull): then the cursor moves there (§3.5 CU-5), logged.
 */
function settleWithoutSource(ctx: SyncContext, source: PeerSync, stream: StreamKey): void {
  const before = ctx.store.streamState(stream)?.cursor;
  ctx.store.abandonPull(stream);
  const after = ctx.store.streamState(stream)?.cursor;
  if (after === undefined || after === before) return;
  ctx.log(
    "info",
    {
      event: "pull-ended-gap-free",
      peer: source.peer,
      stream: streamKeyString(stream),
      state: source.state,
      cursor: seqField(after),
    },
    "pull cut short: ended at the last seq received with none missing before it",
  );
}
