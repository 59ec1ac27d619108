// Tombstone pruning (DESIGN §5): a stream's tombstones at or below the
// lowest cursor that every known peer acknowledged (acks ride on
// ExchangeWatermarks) can never be needed by a pull again; a peer that
// later turns up below that horizon gets a full resync instead.
//
// Shared resources need more: a delete of a shared row is the only thing
// shadowing other origins' older live entries for it, so the store keeps a
// tombstone that shadows one it holds (resource-table.ts), and pruning runs
// only while this replica holds every stream of the resource at least as
// far as every peer says it does — otherwise an older entry still on its
// way would arrive after its delete was pruned, and a replica pulling the
// streams later would show the row live.
import { hlcPack } from "../hlc/hlc.js";
import { resourceDef } from "../store/registry.js";
import type { StreamKey, StreamState } from "../store/store-api.js";
import { errorText, type SyncContext, seqField } from "./context.js";
import { streamKeyFromString, streamKeyString } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";

/** A stream whose tombstones were pruned, and its horizon now. */
export type PrunedStream = { readonly stream: StreamKey; readonly horizon: bigint };

/** Prunes every stream whose tombstones all known peers have passed. Returns the streams pruned. */
export function pruneAcknowledged(ctx: SyncContext, peers: readonly PeerSync[]): PrunedStream[] {
  if (ctx.closed || peers.length === 0) return [];
  const streams = ctx.store.streams();
  const pruned: PrunedStream[] = [];
  for (const s of streams) {
    if (s.cursor === undefined || s.pulling) continue;
    const key = streamKeyString(s.stream);
    const shared = resourceDef(s.stream.resource)?.ownership === "shared";
    const acked = acknowledged(key, s.cursor, peers);
    const horizon = acked === undefined || !shared ? acked : retained(ctx, s.stream, acked);
    // Horizon 0 prunes nothing (a young tombstone at seq 1): not reported as a prune.
    if (
      horizon === undefined ||
      horizon === 0n ||
      (s.tombstoneHorizon !== undefined && horizon <= s.tombstoneHorizon)
    )
      continue;
    if (shared && !caughtUp(s, streams, peers)) continue;
    try {
      const rows = ctx.store.pruneTombstones(s.stream, horizon);
      pruned.push({ stream: s.stream, horizon });
      ctx.log(
        "debug",
        { event: "tombstones-pruned", stream: key, horizon: seqField(horizon), rows },
        "pruned acknowledged tombstones",
      );
    } catch (err) {
      ctx.log(
        "warn",
        { event: "prune-failed", stream: key, error: errorText(err) },
        "tombstone pruning failed",
      );
    }
  }
  return pruned;
}

/**
 * `horizon` lowered below the first tombstone younger than the retention
 * (TB-5): a device unknown to the pruners, away with an older edit of a
 * shared row, still finds the delete in its origin's stream when it returns.
 */
function retained(ctx: SyncContext, stream: StreamKey, horizon: bigint): bigint {
  const retentionMs = ctx.config.sharedTombstoneRetentionMs;
  if (retentionMs === 0) return horizon;
  const cutoffMs = Math.max(0, Math.floor(ctx.store.physicalNow()) - retentionMs);
  const young = ctx.store.firstTombstoneFrom(stream, hlcPack(cutoffMs, 0));
  return young !== undefined && young <= horizon ? young - 1n : horizon;
}

/** The lowest cursor every peer acknowledged for `key` (capped at ours), if all did. */
function acknowledged(key: string, cursor: bigint, peers: readonly PeerSync[]): bigint | undefined {
  let horizon = cursor;
  for (const p of peers) {
    const c = p.remote.get(key)?.cursor;
    if (c === undefined) return undefined;
    if (c < horizon) horizon = c;
  }
  return horizon;
}

/**
 * True when, for every stream of `s`'s resource that we or any peer
 * know, neither side is pulling it and we hold at least what every peer
 * holds: no other origin's entry for a shared row can still be on its way.
 */
function caughtUp(s: StreamState, streams: readonly StreamState[], peers: readonly PeerSync[]) {
  const ours = new Map(
    streams
      .filter((x) => x.stream.resource === s.stream.resource)
      .map((x) => [streamKeyString(x.stream), x]),
  );
  for (const p of peers) {
    for (const [key, theirs] of p.remote) {
      if (streamKeyFromString(key).resource !== s.stream.resource) continue;
      // Mid-pull, or an origin's unconfirmed changes (§3.7): what it holds may still come.
      if (theirs.pulling === true) return false;
      if (theirs.cursor === undefined) continue;
      const mine = ours.get(key);
      if (mine?.cursor === undefined || mine.pulling || mine.cursor < theirs.cursor) return false;
    }
  }
  for (const mine of ours.values()) if (mine.pulling) return false;
  return true;
}
