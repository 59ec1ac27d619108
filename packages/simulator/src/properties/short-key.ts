// How a property names a stream: by its key (the engine's
// "origin/resource"), and in a message by its origin's first 8 hex digits
// and its resource, enough to tell streams of a run apart.
import { idToHex, streamKeyString } from "@tidemark/engine";

/** The key of a stream as a message on the wire names it (origin bytes, resource). */
export function wireStreamKey(s: {
  readonly origin: Uint8Array;
  readonly resource: number;
}): string {
  return streamKeyString({ origin: idToHex(s.origin), resource: s.resource });
}

/** "origin8/resource" of a stream key ("origin/resource"). */
export function shortKey(key: string): string {
  const slash = key.lastIndexOf("/");
  return `${key.slice(0, 8)}/${key.slice(slash + 1)}`;
}

/** The same for a probe's stream reference. */
export function shortRef(stream: { readonly origin: string; readonly resource: number }): string {
  return shortKey(`${stream.origin}/${stream.resource}`);
}
