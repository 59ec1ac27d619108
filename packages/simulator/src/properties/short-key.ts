// How a property's message names a stream: its origin's first 8 hex digits
// and its resource, enough to tell streams of a run apart.

/** "origin8/resource" of a stream key ("origin/resource"). */
export function shortKey(key: string): string {
  const slash = key.lastIndexOf("/");
  return `${key.slice(0, 8)}/${key.slice(slash + 1)}`;
}

/** The same for a probe's stream reference. */
export function shortRef(stream: { readonly origin: string; readonly resource: number }): string {
  return shortKey(`${stream.origin}/${stream.resource}`);
}
