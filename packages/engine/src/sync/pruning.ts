// Tombstone pruning (DESIGN §5): a stream's tombstones at or below the
// lowest cursor that every known peer acknowledged (acks ride on
// ExchangeWatermarks) can never be needed by a pull again; a peer that
// later turns up below that horizon gets a full resync instead.
import { errorText, type SyncContext, seqField } from "./context.js";
import { streamKeyString } from "./ids.js";
import type { PeerSync } from "./peer-sync.js";

/** Prunes every stream whose tombstones all known peers have passed. Returns streams pruned. */
export function pruneAcknowledged(ctx: SyncContext, peers: readonly PeerSync[]): number {
  if (ctx.closed || peers.length === 0) return 0;
  let pruned = 0;
  for (const s of ctx.store.streams()) {
    if (s.cursor === undefined || s.pulling) continue;
    const key = streamKeyString(s.stream);
    let horizon: bigint | undefined = s.cursor;
    for (const p of peers) {
      const c = p.remote.get(key)?.cursor;
      if (c === undefined) {
        horizon = undefined;
        break;
      }
      if (c < horizon) horizon = c;
    }
    if (
      horizon === undefined ||
      (s.tombstoneHorizon !== undefined && horizon <= s.tombstoneHorizon)
    )
      continue;
    try {
      const rows = ctx.store.pruneTombstones(s.stream, horizon);
      pruned++;
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
