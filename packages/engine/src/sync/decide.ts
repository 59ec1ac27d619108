// The per-stream decision of an exchange, as a pure function (issue 5).
// Only the side that lacks data acts: every outcome is something *we* do
// to *our* replica; the peer decides for itself from our watermarks.
import { maxDefined } from "../seq.js";
import type { ResumeSource } from "../store/store-api.js";
import { bytesEqual } from "./ids.js";

/** One side's summary of one stream (a StreamWatermark / StreamState). */
export type StreamSide = {
  readonly cursor: bigint | undefined;
  readonly liveCount: bigint;
  readonly fingerprint: Uint8Array;
  readonly tombstoneHorizon: bigint | undefined;
  /** False when only the cursor is known (learnt from a push ack or gap). */
  readonly fingerprintKnown?: boolean;
  /**
   * The side is mid-pull: its cursor is frozen while its fingerprint already
   * counts applied pages, so the fingerprint must not be compared.
   */
  readonly pulling?: boolean;
};

/** Our side also knows whether a pull is unfinished and how far it got. */
export type LocalSide = StreamSide & {
  readonly pulling: boolean;
  /** Highest seq applied: a pull may finish only against a source holding it. */
  readonly maxAppliedSeq: bigint | undefined;
  /** Where an unfinished pull resumes (last page received in order). */
  readonly resumeAfterSeq?: bigint | undefined;
  /** Who served the pages through resumeAfterSeq; undefined: no source may resume there. */
  readonly resumeSource?: ResumeSource | undefined;
  /** Another origin's stream: every seq after the cursor through this one was received (CU-5). */
  readonly gaplessSeq?: bigint | undefined;
};

/** The part of our side that says where an unfinished pull resumes. */
export type ResumeState = Pick<
  LocalSide,
  "cursor" | "resumeAfterSeq" | "resumeSource" | "gaplessSeq"
>;

/**
 * Where an unfinished pull resumes with `source` (PROTOCOL.md §5.2 BF-19).
 * After the resume point R only with the source that served the pages
 * through R, its cursor not gone back: pages promise what their responder
 * still holds, so a row whose version at or below R it had replaced above
 * R comes later, at its new seq, from it alone. Another source (or one
 * restored from an older copy) may hold that row at its older version,
 * at or below R, and would never serve it: with it, resume after the last
 * seq through which every seq was received (the stream as of it is held).
 */
export function resumePoint(
  local: ResumeState,
  source: { readonly peer: string | undefined; readonly cursor: bigint | undefined },
): bigint | undefined {
  const same = resumeHoldsWith(local.resumeSource, source.peer, source.cursor);
  return maxDefined(local.cursor, same ? local.resumeAfterSeq : local.gaplessSeq);
}

/**
 * Whether a resume point served by `from` holds with `peer` at `cursor`:
 * the same peer, its cursor not gone back (a restored copy is another
 * source). The one test of BF-19, for deciding and for choosing a source.
 */
export function resumeHoldsWith(
  from: ResumeSource | undefined,
  peer: string | undefined,
  cursor: bigint | undefined,
): boolean {
  return (
    from !== undefined &&
    peer !== undefined &&
    from.peer.toLowerCase() === peer.toLowerCase() &&
    (from.cursor === undefined || cursor === undefined || cursor >= from.cursor)
  );
}

export type DecisionKind =
  | "nothing"
  | "pull"
  | "reconcile"
  | "full-resync"
  | "origin-rewind"
  | "probe-origin";

export type Decision = {
  readonly kind: DecisionKind;
  /** Stable kebab-case reason, logged with the decision. */
  readonly reason: string;
  /**
   * For pulls: serve changes after this seq (undefined: from the start).
   * For an origin probe: the highest seq applied, never a lower resume point.
   */
  readonly afterSeq?: bigint | undefined;
  /** A `nothing` that put off a reconcile (the caller remembers the states). */
  readonly deferred?: boolean;
};

export type DecideInput = {
  /** Undefined when we hold nothing of the stream. */
  readonly local: LocalSide | undefined;
  /** Undefined when the peer did not list the stream. */
  readonly remote: StreamSide | undefined;
  /** The stream's origin is this device. */
  readonly ownStream: boolean;
  /** The peer is the stream's origin. Omitted: false. */
  readonly peerIsOrigin?: boolean;
  /** The peer's id: a pull resumes past the gap-free point only with its source (BF-19). */
  readonly peer?: string | undefined;
  /**
   * We may still defer a reconcile to a peer with fewer live rows: false
   * once we deferred for these same (cursor, our fingerprint, their
   * fingerprint) long enough ago, so a deferral is never permanent.
   * Omitted: true.
   */
  readonly mayDefer?: boolean;
};

const nothing = (reason: string): Decision => ({ kind: "nothing", reason });

/**
 * Decides what this replica does about one stream after learning a peer's
 * watermark. Rules (DESIGN §3-§5):
 * - peer holds no cursor -> nothing (it will pull from us); but when we
 *   are stuck mid-pull of the peer's own stream and it lists that stream
 *   with no cursor and pulling (unconfirmed changes, §3.7), probe it: a
 *   Backfill after all we applied shows it our pull (OR-5), else each
 *   waits on the other for good;
 * - own stream and the peer is ahead of our confirmed head -> origin-rewind
 *   (pull our own stream back, never reuse a seq); an own stream with
 *   unconfirmed changes (reported as pulling) is otherwise left alone;
 * - peer ahead: below its tombstone horizon -> full-resync, else pull
 *   after our cursor (or, resuming an unfinished pull, after the last page
 *   received in order when this peer served it, else after the last seq
 *   received gap-free: resumePoint);
 * - equal cursors: fingerprints differ -> reconcile, else nothing; but
 *   when we hold strictly more live rows than the peer, the peer very
 *   likely lacks rows and reconciles itself, so we defer first (nothing,
 *   `reconcile-deferred-peer-has-fewer`) and reconcile only if the same
 *   states are still there later (`mayDefer` false). Counts are a hint
 *   about who should act, never whether: equal counts reconcile at once;
 * - either side pulling -> only pull or nothing: a pulling side's cursor
 *   and fingerprint describe different states, so fingerprints are never
 *   compared (no reconcile, no full resync) until the pull finishes;
 * - peer behind -> nothing (nobody pushes repairs).
 * "No cursor" is its own state and never compares as 0 or max.
 */
export function decideStream(input: DecideInput): Decision {
  const { local, remote, ownStream, mayDefer = true } = input;

  const remoteCursor = remote?.cursor;
  if (remote === undefined || remoteCursor === undefined) {
    if (input.peerIsOrigin === true && !ownStream && remote?.pulling === true && local?.pulling) {
      // After every seq we hold of it: the origin may stop waiting on our
      // pull only if it holds all of that (PROTOCOL §3.7 rule 2c, OR-5).
      const applied = maxDefined(local.maxAppliedSeq, local.resumeAfterSeq);
      return {
        kind: "probe-origin",
        reason: "origin-lists-no-cursor-mid-pull",
        afterSeq: maxDefined(local.cursor, applied),
      };
    }
    return nothing("peer-holds-no-cursor");
  }
  const localCursor = local?.cursor;
  if (ownStream) {
    // Our cursor is our confirmed head: a peer beyond it holds seqs we
    // used before a restore. Pull them back (resuming an unfinished pull).
    if (localCursor === undefined || remoteCursor > localCursor) {
      const afterSeq = local?.pulling
        ? resumePoint(local, { peer: input.peer, cursor: remoteCursor })
        : localCursor;
      return { kind: "origin-rewind", reason: "peer-ahead-of-own-head", afterSeq };
    }
    // Unconfirmed changes or a pull-back: our fingerprint is not comparable.
    if (local?.pulling) return nothing("own-stream-unconfirmed");
  }
  if (local?.pulling) {
    // An unfinished pull resumes after its last page received in order (not
    // the highest seq applied: pages out of order may have skipped rows) if
    // the peer served it, else after its gap-free point (BF-19); and may
    // only finish against a responder holding what it applied.
    const floor = maxDefined(localCursor, local.maxAppliedSeq);
    if (floor === undefined || remoteCursor >= floor) {
      const afterSeq = resumePoint(local, { peer: input.peer, cursor: remoteCursor });
      return { kind: "pull", reason: "resume-unfinished-pull", afterSeq };
    }
    return nothing("peer-behind-unfinished-pull");
  }
  if (localCursor === undefined) {
    return { kind: "pull", reason: "no-local-cursor", afterSeq: undefined };
  }
  const remotePulling = remote.pulling === true;
  if (remoteCursor > localCursor) {
    const horizon = remote.tombstoneHorizon;
    if (horizon !== undefined && localCursor < horizon) {
      // A full resync compares item sets; wait until the peer's pull is done.
      if (remotePulling) return nothing("peer-pulling-below-horizon");
      return { kind: "full-resync", reason: "below-peer-horizon" };
    }
    return { kind: "pull", reason: "peer-ahead", afterSeq: localCursor };
  }
  if (remoteCursor < localCursor) return nothing("peer-behind");
  if (remotePulling) return nothing("peer-pulling");
  if (remote.fingerprintKnown === false) return nothing("peer-fingerprint-unknown");
  if (local !== undefined && !bytesEqual(local.fingerprint, remote.fingerprint)) {
    // Both sides see the mismatch; only the one lacking rows fetches any,
    // so the side with more rows lets the other go first (PROTOCOL §4).
    if (mayDefer && local.liveCount > remote.liveCount) {
      return { kind: "nothing", reason: "reconcile-deferred-peer-has-fewer", deferred: true };
    }
    return { kind: "reconcile", reason: "fingerprint-mismatch" };
  }
  return nothing("in-sync");
}
