// B2, the seed's count check: counts take precedence; only `ours < theirs`
// triggers recovery, equal counts skip even the cursor comparison, and
// fingerprints are ignored.
import type { ReplicaParts } from "../../replica-api.js";
import type { Decision } from "../../sync/decide.js";

export const countLessThanOnly: ReplicaParts = {
  decide({ local, remote }): Decision {
    if (remote?.cursor === undefined) return { kind: "nothing", reason: "peer-holds-no-cursor" };
    const ours = local?.liveCount ?? 0n;
    if (ours >= remote.liveCount) return { kind: "nothing", reason: "bug-count-not-less" };
    const localCursor = local?.cursor;
    if (localCursor === undefined || remote.cursor > localCursor) {
      return { kind: "pull", reason: "bug-count-less-peer-ahead", afterSeq: localCursor };
    }
    return { kind: "reconcile", reason: "bug-count-less" };
  },
};
