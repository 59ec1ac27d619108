// The tree's derived index (the closure table) matches the parent links on
// every device: each replica checks it from scratch through its probe (the
// index is local state, never synced, so only the replica can see it).
import type { Property } from "./property.js";

export const closureConsistent: Property = {
  name: "closure-consistent",
  check(world) {
    for (const node of world.nodes) {
      if (!node.tree.ok) {
        return {
          property: "closure-consistent",
          devices: [node.index, node.index],
          detail: `d${node.index}: ${node.tree.detail}`,
        };
      }
    }
    return undefined;
  },
};
