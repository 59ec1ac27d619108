// Issue 11 bug 7 (its out-of-order half): an unfinished pull resumes after
// the highest seq applied instead of the last page received in order, so
// after a peer delivered page 2 before page 1 the retry starts past page
// 1's rows and the pull finishes with the cursor over rows never received.
import type { ReplicaParts } from "../../replica-api.js";
import { maxDefined } from "../../seq.js";
import { decideStream } from "../../sync/decide.js";

export const resumePastMissingPages: ReplicaParts = {
  decide(input) {
    const d = decideStream(input);
    const { local } = input;
    if (d.kind !== "pull" || local?.pulling !== true) return d;
    return { ...d, afterSeq: maxDefined(local.cursor, local.maxAppliedSeq) };
  },
};
