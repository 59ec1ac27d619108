// A tree stays a tree: once the run has converged, each live device tries
// what a user dragging a folder into its own subfolder would do — one of
// its own directories moved under the deepest directory of its own
// subtree. The replica must not commit it (a refusal or a thrown error,
// whichever its API uses), and afterwards its parent links must still form
// a tree (treeCheck) with the directory where it was.
import { EntryKind, Resource } from "@tidemark/protocol";
import type { SimNode } from "../node.js";
import type { RowVersion } from "../probe/types.js";
import { EntryTree } from "../workloads/entry-rows.js";
import type { PropertyFailure } from "./property.js";

const PROPERTY = "cyclic-move-refused";
const DIRECTORY = String(EntryKind.DIRECTORY);

/**
 * The device's deepest own directory and its highest own non-root ancestor
 * directory (the longest cycle a move could close): one pass over the
 * rows and one walk up, so it stays linear in deep trees.
 */
function pickCycle(tree: EntryTree, origin: string): [RowVersion, RowVersion] | undefined {
  const own = (r: RowVersion | undefined) => r?.origin === origin && r.fields.kind === DIRECTORY;
  const depthOf = depthsOf(tree);
  let deepest: RowVersion | undefined;
  let depth = -1;
  for (const r of tree.rows) {
    if (!own(r)) continue;
    const d = depthOf(r.id);
    if (d > depth || (d === depth && deepest !== undefined && r.id < deepest.id)) {
      deepest = r;
      depth = d;
    }
  }
  if (deepest === undefined) return undefined;
  let top: RowVersion | undefined;
  let cur = tree.byId.get(deepest.fields.parentId ?? "");
  for (let k = 0; cur !== undefined && k <= tree.rows.length; k++) {
    // A location root (no parent) is never moved.
    if (own(cur) && cur.fields.parentId !== undefined) top = cur;
    cur = tree.byId.get(cur.fields.parentId ?? "");
  }
  return top === undefined ? undefined : [top, deepest];
}

/** Depth below the location root of each entry, memoised (each link walked once). */
function depthsOf(tree: EntryTree): (id: string) => number {
  const memo = new Map<string, number>();
  return (id) => {
    const path: string[] = [];
    let cur: string | undefined = id;
    let base = -1;
    while (cur !== undefined && path.length <= tree.rows.length) {
      const known = memo.get(cur);
      if (known !== undefined) {
        base = known;
        break;
      }
      path.push(cur);
      cur = tree.byId.get(cur)?.fields.parentId;
    }
    for (let i = path.length - 1; i >= 0; i--) memo.set(path[i] as string, ++base);
    return memo.get(id) ?? 0;
  };
}

/** Tries one cyclic move on each live member; the first that is committed or breaks the tree fails. */
export async function cyclicMovesRefused(
  nodes: readonly SimNode[],
): Promise<PropertyFailure | undefined> {
  for (const node of nodes) {
    const probe = node.replica?.probe;
    if (probe === undefined) continue;
    const pick = pickCycle(await EntryTree.read(probe), node.deviceId);
    if (pick === undefined) continue;
    const [dir, under] = pick;
    const detail = `device ${node.index}: directory ${dir.id} moved under its descendant ${under.id}`;
    let committed = false;
    try {
      const r = await probe.commit([
        { resource: Resource.ENTRY, id: dir.id, fields: { ...dir.fields, parentId: under.id } },
      ]);
      committed = r.kind === "committed";
    } catch {
      // Refused by throwing: what the move must come to.
    }
    if (committed) return { property: PROPERTY, detail: `${detail} was committed` };
    const check = await probe.treeCheck();
    if (!check.ok) return { property: PROPERTY, detail: `${detail}: ${check.detail}` };
    const after = (await probe.rows(Resource.ENTRY)).find((r) => r.id === dir.id);
    if (after?.fields.parentId !== dir.fields.parentId) {
      return { property: PROPERTY, detail: `${detail}: its parent changed after the refusal` };
    }
  }
  return undefined;
}
