// The closure table matches the parent links: for every live entry, a self
// link and one link per live ancestor reached through live parents; no
// other rows. Recomputed from scratch on each device. Closure rows name
// entries by their local integer key (lid), never synced.
import { toHex } from "../ids.js";
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
        index.set(toHex(id), index.size);
      }
      const n = index.size;
      const parent = new Int32Array(n).fill(-1);
      for (const [id, p] of rows) {
        if (p !== null) parent[index.get(toHex(id)) as number] = index.get(toHex(p)) ?? -1;
      }
      const expected = new Map<number, number>(); // ancestor * n + descendant -> depth
      for (let d = 0; d < n; d++) {
        expected.set(d * n + d, 0);
        let cur = parent[d] as number;
        let depth = 1;
        while (cur >= 0 && depth <= n) {
          expected.set(cur * n + d, depth);
          cur = parent[cur] as number;
          depth++;
        }
      }
      const fail = (detail: string): PropertyFailure => ({
        property: "closure-consistent",
        devices: [node.index, node.index],
        detail: `d${node.index}: ${detail}`,
      });
      let seen = 0;
      for (const [a, d, depth] of db
        .prepare("SELECT ancestor, descendant, depth FROM entry_closure")
        .raw()
        .iterate() as IterableIterator<[number, number, number]>) {
        const ai = byLid.get(a);
        const di = byLid.get(d);
        if (ai === undefined || di === undefined) {
          return fail(`closure row lid ${a} > lid ${d} names an entry that is not live`);
        }
        const want = expected.get(ai * n + di);
        if (want !== depth) {
          return fail(
            `closure row lid ${a} > lid ${d} depth ${depth}, parent links say ${want ?? "no link"}`,
          );
        }
        seen++;
      }
      if (seen !== expected.size)
        return fail(`closure has ${seen} rows, parent links imply ${expected.size}`);
    }
    return undefined;
  },
};
