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

/** The own directory with the deepest own directory below it, and that descendant. */
function pickCycle(tree: EntryTree, origin: string): [RowVersion, RowVersion] | undefined {
  let best: [RowVersion, RowVersion, number] | undefined;
  const dirs = tree.rows
    .filter((r) => r.origin === origin && r.fields.kind === DIRECTORY)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const d of dirs) {
    if (d.fields.parentId === undefined) continue; // a location root is never moved
    const below = tree.subtreeDeepestFirst(d.id);
    const deepest = below.find((id) => id !== d.id && tree.byId.get(id)?.fields.kind === DIRECTORY);
    const target = deepest === undefined ? undefined : tree.byId.get(deepest);
    if (target === undefined) continue;
    const gap = tree.depthOf(target.id) - tree.depthOf(d.id);
    if (best === undefined || gap > best[2]) best = [d, target, gap];
  }
  return best === undefined ? undefined : [best[0], best[1]];
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
