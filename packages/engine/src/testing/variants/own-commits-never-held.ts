// Issue 11 bug 1, seq reuse after a backup restore: own commits are
// confirmed (cursor = head, pushed, served) as they are made, right after
// any open, so a device restored from an old backup hands out seqs it
// already used before it has heard how far its peers hold its streams.
import type { ReplicaParts } from "../../replica-api.js";
import { delegateStore } from "./delegate-store.js";

export const ownCommitsNeverHeld: ReplicaParts = {
  store: (inner) => delegateStore(inner, { holdOwnCommits: () => {} }),
};
