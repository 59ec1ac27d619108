// B1, the seed's leapfrog: a realtime batch is applied whatever its
// prev_seq, and the cursor becomes the highest seq received, even over
// gaps. Built on the store's own page + finishPull, so the cursor jump is
// exactly what the seed did: no gap check, no contiguity.
import type { ReplicaParts } from "../../replica-api.js";
import { maxDefined } from "../../seq.js";
import { delegateStore } from "./delegate-store.js";

export const timestampWatermark: ReplicaParts = {
  store: (inner) =>
    delegateStore(inner, {
      apply(stream, changes, opts) {
        const before = inner.streamState(stream);
        // A real pull in progress keeps the reference rules (it would hold the batch).
        if (opts.mode !== "chain" || before?.pulling) return inner.apply(stream, changes, opts);
        // The carried origin key still goes along: only the cursor rule is broken.
        const out = inner.apply(stream, changes, { mode: "page", originKey: opts.originKey });
        const last = changes[changes.length - 1]?.seq;
        const cursor = maxDefined(before?.cursor, last);
        if (out.kind !== "applied" || cursor === undefined) return out;
        return inner.finishPull(stream, cursor);
      },
    }),
};
