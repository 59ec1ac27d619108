// SG-10 broken: a head statement is believed without checking its origin's
// signature, so a relay that invents a head for a third device's stream
// (signed by any key) lifts the caller's ceiling of that stream (CU-8) to
// whatever it claims. The forged head is not kept, only believed.
import type { ReplicaParts } from "../../replica-api.js";
import { delegateStore } from "./delegate-store.js";

export const unverifiedHeads: ReplicaParts = {
  store: (inner) =>
    delegateStore(inner, {
      noteHead: (stream, head, key) => {
        const out = inner.noteHead(stream, head, key);
        return "refused" in out ? { seq: head.seq } : out;
      },
    }),
};
