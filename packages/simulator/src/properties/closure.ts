// The closure table matches the parent links: for every live entry, a self
// link and one link per live ancestor reached through live parents; no
// other rows. Recomputed from scratch on each device. Closure rows name
// entries by their local integer key (lid), never synced.
import { idToHex } from "@tidemark/engine";
import type { Property, PropertyFailure } from "./property.js";

type Raw = [Uint8Array, Uint8Array | null, number];

export const closureConsistent: Property = {
  name: "closure-consistent",
  check(world) {
    for (const node of world.nodes) {
      const db = node.db;
      if (db === undefined) continue;
      // Number the live entries so pairs are cheap integer keys.
      const index = new Map<string, number>();
      const byLid = new Map<number, number>();
      const rows = db
        .prepare("SELECT id, parent_id, lid FROM entry WHERE deleted = 0")
        .raw()
        .all() as Raw[];
      for (const [id, , lid] of rows) {
        byLid.set(lid, index.size);
        index.set(idToHex(id), index.size);
      }
      const n = index.size;
      const parent = new Int32Array(n).fill(-1);
      for (const [id, p] of rows) {
        if (p !== null) parent[index.get(idToHex(id)) as number] = index.get(idToHex(p)) ?? -1;
      }
      const fail = (detail: string): PropertyFailure => ({
        property: "closure-consistent",
        devices: [node.index, node.index],
        detail: `d${node.index}: ${detail}`,
      });
      // Walk the closure grouped by descendant, in depth order: each group
      // must be exactly the descendant's chain of live ancestors.
      let group = -1;
      let chain: number[] = [];
      let pos = 0;
      let groups = 0;
      const closeGroup = (): string | undefined =>
        group >= 0 && pos !== chain.length
          ? `entry #${group} has ${pos} closure rows, its parent chain has ${chain.length}`
          : undefined;
      for (const [a, d, depth] of db
        .prepare("SELECT ancestor, descendant, depth FROM entry_closure ORDER BY descendant, depth")
        .raw()
        .iterate() as IterableIterator<[number, number, number]>) {
        const ai = byLid.get(a);
        const di = byLid.get(d);
        if (ai === undefined || di === undefined) {
          return fail(`closure row lid ${a} > lid ${d} names an entry that is not live`);
        }
        if (di !== group) {
          const bad = closeGroup();
          if (bad !== undefined) return fail(bad);
          group = di;
          groups++;
          pos = 0;
          chain = [];
          for (let cur = di, k = 0; cur >= 0 && k <= n; cur = parent[cur] as number, k++)
            chain.push(cur);
        }
        if (depth !== pos || chain[pos] !== ai) {
          return fail(
            `closure row lid ${a} > lid ${d} at depth ${depth} does not match the parent links`,
          );
        }
        pos++;
      }
      const bad = closeGroup();
      if (bad !== undefined) return fail(bad);
      if (groups !== n) return fail(`${n - groups} live entries have no closure rows at all`);
    }
    return undefined;
  },
};
