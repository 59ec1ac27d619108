// Counters a replica exports per peer, against what the wire showed them
// to count: the shared half of exchange-failures-counted and
// invalid-hellos-counted. Per incarnation: a restart starts counters afresh.
import { deviceIdOf } from "../ids.js";
import type { SimNode } from "../node.js";
import { parseMetricKey } from "./peer-status.js";

/** What the wire showed, by `tallyKey(device, generation, peer)`. */
export type Tally = Map<string, number>;

export const tallyKey = (device: number, generation: number, peer: number): string =>
  `${device}:${generation}>${peer}`;

export function addTo(tally: Tally, key: string): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

export type Shortfall = { readonly peer: number; readonly want: number; readonly seen: number };

/**
 * The first peer for which `n`'s counter `name` (its series that pass
 * `where`, summed) counts less than the tally of `n`'s incarnation.
 */
export async function firstShortfall(
  n: SimNode,
  tally: Tally,
  name: string,
  where: (labels: Readonly<Record<string, string>>) => boolean = () => true,
): Promise<Shortfall | undefined> {
  const probe = n.replica?.probe;
  if (probe === undefined) return undefined;
  const counted = new Map<string, number>();
  for (const [key, value] of Object.entries(await probe.metrics())) {
    const s = parseMetricKey(key);
    const peer = s.labels.peer;
    if (s.name === name && peer !== undefined && where(s.labels))
      counted.set(peer, (counted.get(peer) ?? 0) + value);
  }
  for (const [key, want] of tally) {
    if (!key.startsWith(`${n.index}:${n.generation}>`)) continue;
    const peer = Number(key.slice(key.indexOf(">") + 1));
    const seen = counted.get(deviceIdOf(peer)) ?? 0;
    if (seen < want) return { peer, want, seen };
  }
  return undefined;
}
