// Signed stream heads on the control plane (PROTOCOL.md §3.5 CU-8, §16
// SG-9): heads peers send are verified and kept; a claim about another
// origin's stream is believed only up to the highest seq that origin
// itself vouched for (a verified change delivered, or a verified head).
import type { StreamHead } from "@tidemark/protocol";
import { maxDefined } from "../seq.js";
import type { StreamKey } from "../store/store-api.js";
import { authenticatedSender, type SyncContext, seqField } from "./context.js";
import { streamKeyString } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";

/**
 * Verifies (and, for a held stream of another origin, keeps) a head `peer`
 * sent; returns its seq when verified. A head that does not verify is not
 * believed, counted and logged. A verified head of our own stream above
 * our cursor is the origin-rewind signal of §3.7: we once confirmed more.
 */
export function noteHead(
  ctx: SyncContext,
  peer: string,
  stream: StreamKey,
  head: StreamHead | undefined,
  carriedKey?: Uint8Array,
): bigint | undefined {
  if (head === undefined) return undefined;
  const own = stream.origin.toLowerCase() === ctx.deviceId;
  const known = own ? ctx.store.streamState(stream)?.cursor : ctx.store.verifiedHead(stream);
  // Nothing to learn from a head no higher than one already verified.
  if (known !== undefined && head.seq <= known) return head.seq;
  const key = streamKeyString(stream);
  const out = ctx.store.noteHead(stream, head, carriedKey);
  if ("refused" in out) {
    ctx.metrics.inc("tidemark_stream_heads_refused_total", { peer, reason: out.refused });
    ctx.log(
      "warn",
      {
        event: "stream-head-refused",
        peer,
        stream: key,
        reason: out.refused,
        seq: seqField(head.seq),
      },
      "a peer sent a stream head its origin did not sign: not believed",
    );
    return undefined;
  }
  if (own) {
    // Seqs up to it were ours before a restore: never hand them out again.
    const moved = ctx.store.reserveOwnSeqs(stream, out.seq);
    ctx.metrics.inc("tidemark_own_head_above_cursor_total", { peer, stream: key });
    ctx.log(
      "warn",
      {
        event: "own-head-above-cursor",
        peer,
        stream: key,
        head: seqField(out.seq),
        cursor: seqField(known),
        confirmed: ctx.store.ownStreamsConfirmed,
        moved,
      },
      "a peer holds a head of our own stream above our cursor, signed by us (restored from a backup?)",
    );
  }
  return out.seq;
}

/**
 * The highest seq of another origin's `stream` we may adopt from `source`
 * (CU-8): what it delivered (verified changes; `delivered` also holds the
 * pull's start, which we held already), the highest head of the origin we
 * verified from anyone, and the source's own claim when the source is the
 * origin itself over an authenticated channel (§16 SG-7). Undefined: nothing.
 */
export function verifiedCeiling(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  delivered: bigint | undefined,
  pageHead: bigint | undefined,
): bigint | undefined {
  const key = streamKeyString(stream);
  const told = source.remote.get(key);
  const fromOrigin =
    authenticatedSender(ctx, source.peer) === stream.origin.toLowerCase()
      ? told?.cursor
      : undefined;
  const heads = maxDefined(
    ctx.store.verifiedHead(stream),
    maxDefined(told?.verifiedHead, pageHead),
  );
  return maxDefined(maxDefined(delivered, heads), fromOrigin);
}

/** A claim beyond the verified ceiling: counted and logged with the peer and stream. */
export function noteUnverifiedClaim(
  ctx: SyncContext,
  source: PeerSync,
  stream: StreamKey,
  claimed: bigint | undefined,
  ceiling: bigint | undefined,
  via: "backfill" | "reconcile",
): void {
  const key = streamKeyString(stream);
  ctx.metrics.inc("tidemark_unverified_cursor_claims_total", { peer: source.peer, stream: key });
  ctx.log(
    "warn",
    {
      event: "cursor-claim-beyond-signed-head",
      peer: source.peer,
      stream: key,
      via,
      claimed: seqField(claimed),
      ceiling: seqField(ceiling),
    },
    "peer claimed more of another device's stream than that device signed: not believed",
  );
}
