// Identical canonical state: every live member holds the same live rows of
// every resource (each row's visible version: writer, seq, hlc, body) and
// the same live entries of every shared stream (each origin's own version).
import { canonicalRow } from "../probe/row-version.js";
import type { Property } from "./property.js";
import { type NodeView, sharedLiveEntries } from "./view.js";

function canonical(view: NodeView): { rows: string[]; entries: string[] } {
  return {
    rows: view.rows.map(canonicalRow).sort(),
    entries: sharedLiveEntries(view).map(canonicalRow).sort(),
  };
}

export const identicalState: Property = {
  name: "identical-state",
  check(world) {
    const [first, ...rest] = world.nodes;
    if (first === undefined) return undefined;
    const base = canonical(first);
    for (const other of rest) {
      const mine = canonical(other);
      for (const part of ["rows", "entries"] as const) {
        const a = base[part];
        const b = mine[part];
        const n = Math.max(a.length, b.length);
        for (let i = 0; i < n; i++) {
          if (a[i] !== b[i]) {
            return {
              property: "identical-state",
              devices: [first.index, other.index],
              detail: `${part === "rows" ? "visible rows" : "shared entries"}: ${a.length} vs ${b.length} live; first difference at #${i}: d${first.index} has ${a[i] ?? "nothing"}, d${other.index} has ${b[i] ?? "nothing"}`,
            };
          }
        }
      }
    }
    return undefined;
  },
};
