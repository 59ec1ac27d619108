// Test-only corruption that reproduces the seed's silent gap: a replica's
// cursor claims the origin's head while it lacks what it missed.
import { Resource } from "@tidemark/protocol";
import type { TidemarkReplica } from "../replica.js";
import type { StreamKey } from "../store/store-api.js";

/**
 * Moves `behind`'s cursor for `origin`'s stream of `resource` to the
 * origin's current head without applying the changes it missed (through
 * the store's own pull-finish path, so nothing else looks wrong locally).
 * Returns the stream. Throws when the origin has no cursor yet.
 */
export function claimOriginHead(
  origin: TidemarkReplica,
  behind: TidemarkReplica,
  resource: Resource = Resource.ENTRY,
): StreamKey {
  const stream = { origin: origin.deviceId, resource };
  const head = origin.store.streamState(stream)?.cursor;
  if (head === undefined) throw new Error("origin has no cursor for the stream");
  behind.store.beginPull(stream);
  const fin = behind.store.finishPull(stream, head);
  if (fin.kind === "rejected") throw fin.error;
  return stream;
}
