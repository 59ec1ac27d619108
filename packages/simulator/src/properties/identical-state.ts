// Identical canonical state: every live member holds the same live rows in
// every synced table (device-owned rows, visible shared rows and every
// origin's shared entries).

import type { Property } from "./property.js";
import { CANONICAL_TABLES, canonicalRows } from "./state-dump.js";

export const identicalState: Property = {
  name: "identical-state",
  check(world) {
    const [first, ...rest] = world.nodes;
    if (first?.db === undefined) return undefined;
    for (const table of CANONICAL_TABLES) {
      const base = canonicalRows(first.db, table);
      for (const other of rest) {
        if (other.db === undefined) continue;
        const rows = canonicalRows(other.db, table);
        const n = Math.max(base.length, rows.length);
        for (let i = 0; i < n; i++) {
          if (base[i] !== rows[i]) {
            return {
              property: "identical-state",
              devices: [first.index, other.index],
              detail: `table ${table}: ${base.length} vs ${rows.length} live rows; first difference at #${i}: d${first.index} has ${base[i] ?? "nothing"}, d${other.index} has ${rows[i] ?? "nothing"}`,
            };
          }
        }
      }
    }
    return undefined;
  },
};
