// Issue 11 bug 2, tombstone pruning resurrects shared rows: pruning a
// shared stream's tombstones also drops a delete that still shadows
// another origin's older live entry for the row, the only thing keeping
// the row deleted for a replica that pulls the streams later.
import type { ReplicaParts } from "../../replica-api.js";
import { idFromHex } from "../../store/ids.js";
import { resourceDef } from "../../store/registry.js";
import { delegateStore } from "./delegate-store.js";

export const pruneShadowingDeletes: ReplicaParts = {
  store: (inner, db) =>
    delegateStore(inner, {
      pruneTombstones(stream, horizon) {
        const n = inner.pruneTombstones(stream, horizon);
        const def = resourceDef(stream.resource);
        if (def?.ownership !== "shared") return n;
        // The store kept the shadowing deletes; drop them as the unfixed code did.
        const dropped = db
          .prepare(`DELETE FROM ${def.entriesTable} WHERE origin = ? AND deleted = 1 AND seq <= ?`)
          .run(idFromHex(stream.origin), horizon).changes;
        return n + dropped;
      },
    }),
};
