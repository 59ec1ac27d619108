// State corruption of one replica (test-only faults): rows silently lost,
// or rows silently reverted to an older version. The simulator picks the
// rows (through the probe, with its own PRNG, from the oracle's history);
// the adapter damages the stopped replica's image and recomputes counts
// and fingerprints, so nothing looks wrong locally — exactly what a
// leapfrogged watermark leaves behind.
import { streamKeyString } from "@tidemark/engine";
import { EntryKind, Resource } from "@tidemark/protocol";
import type { Oracle } from "../oracle.js";
import type { Prng } from "../prng.js";
import type { ReplicaProbe } from "../probe/probe.js";
import type { Corruption, IdHex, RowVersion } from "../probe/types.js";

const FILE = String(EntryKind.FILE);

export type Plan = {
  readonly damage: Corruption;
  /** Streams whose state the damage touches (exempt from safety until repaired). */
  readonly streams: readonly string[];
};

/** Up to `count` live leaf files of other origins (or of `self`'s own stream), picked at random. */
export async function planLoseRows(
  probe: ReplicaProbe,
  self: IdHex,
  count: number,
  rng: Prng,
  own = false,
): Promise<Plan> {
  const candidates = (await probe.rows(Resource.ENTRY)).filter(
    (r) => (r.origin === self) === own && r.fields.kind === FILE,
  );
  const rows: { stream: { origin: IdHex; resource: Resource }; id: IdHex }[] = [];
  for (let i = 0; i < count && candidates.length > 0; i++) {
    const k = rng.int(candidates.length);
    const r = candidates[k] as RowVersion;
    candidates[k] = candidates[candidates.length - 1] as RowVersion;
    candidates.pop();
    rows.push({ stream: { origin: r.origin, resource: Resource.ENTRY }, id: r.id });
  }
  return {
    damage: { kind: "lose-rows", rows },
    streams: streamsOf(rows.map((r) => r.stream.origin)),
  };
}

/**
 * Up to `count` renamed entries of other origins reverted to an older
 * version (same parent, older name and seq): equal counts, different rows.
 */
export async function planStaleRows(
  probe: ReplicaProbe,
  self: IdHex,
  count: number,
  rng: Prng,
  oracle: Oracle,
): Promise<Plan> {
  const rows: RowVersion[] = [];
  for (const r of await probe.rows(Resource.ENTRY)) {
    if (rows.length >= count) break;
    if (r.origin === self) continue;
    const key = streamKeyString({ origin: r.origin, resource: Resource.ENTRY });
    const older = oracle
      .history(key, r.id)
      .filter(
        (c) =>
          c.seq < r.seq &&
          !c.deleted &&
          c.fields.parentId === r.fields.parentId &&
          c.fields.name !== r.fields.name,
      );
    if (older.length === 0 || !rng.chance(0.7)) continue;
    const v = older[older.length - 1];
    if (v !== undefined) rows.push(v);
  }
  return { damage: { kind: "revert-rows", rows }, streams: streamsOf(rows.map((r) => r.origin)) };
}

function streamsOf(origins: readonly IdHex[]): string[] {
  return [...new Set(origins)]
    .sort()
    .map((origin) => streamKeyString({ origin, resource: Resource.ENTRY }));
}
