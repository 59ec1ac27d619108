// The closure (entry_closure, on local integer keys; a recursive view over
// the parent links since schema v6) checked from scratch against the
// parent links of the live entries: for every live entry a self link and
// one link per live ancestor, in depth order, and no other rows. Reads it
// grouped by descendant, so millions of links need no second copy in
// memory; reading all of it costs rows x depth (fine for test trees).
import type { Database } from "better-sqlite3";
import { idToHex } from "../store/ids.js";

export type TreeReport =
  | { readonly ok: true; readonly links: number }
  | { readonly ok: false; readonly detail: string };

type Row = [Uint8Array, Uint8Array | null, number | bigint];

/** Checks entry_closure against entry.parent_id over live rows. */
export function checkTree(db: Database): TreeReport {
  const index = new Map<string, number>();
  const byLid = new Map<number, number>();
  const rows = db
    .prepare("SELECT id, parent_id, lid FROM entry WHERE deleted = 0")
    .raw()
    .all() as Row[];
  for (const [id, , lid] of rows) {
    byLid.set(Number(lid), index.size);
    index.set(idToHex(id), index.size);
  }
  const n = index.size;
  const parent = new Int32Array(n).fill(-1);
  for (const [id, p] of rows) {
    if (p !== null) parent[index.get(idToHex(id)) as number] = index.get(idToHex(p)) ?? -1;
  }
  const fail = (detail: string): TreeReport => ({ ok: false, detail });
  let group = -1;
  let chain: number[] = [];
  let pos = 0;
  let groups = 0;
  let links = 0;
  const closeGroup = (): string | undefined =>
    group >= 0 && pos !== chain.length
      ? `entry #${group} has ${pos} closure rows, its parent chain has ${chain.length}`
      : undefined;
  const it = db
    .prepare("SELECT ancestor, descendant, depth FROM entry_closure ORDER BY descendant, depth")
    .raw()
    .iterate() as IterableIterator<[number, number, number]>;
  for (const [a, d, depth] of it) {
    links++;
    const ai = byLid.get(Number(a));
    const di = byLid.get(Number(d));
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
    if (Number(depth) !== pos || chain[pos] !== ai) {
      return fail(
        `closure row lid ${a} > lid ${d} at depth ${depth} does not match the parent links`,
      );
    }
    pos++;
  }
  const bad = closeGroup();
  if (bad !== undefined) return fail(bad);
  if (groups !== n) return fail(`${n - groups} live entries have no closure rows at all`);
  return { ok: true, links };
}
