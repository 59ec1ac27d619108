// Issue 11 bug 5, one bad stream blocks a whole Backfill: once our store
// refuses a pull page of one stream (an HLC too far ahead, a full
// dependency buffer), every pull page of a stream after it in FK order is
// refused with the same error until a page of the refused stream lands —
// what the unfixed pull did, whose every retry failed at the same page
// before reaching the later streams. (The store cannot tell sources apart,
// so this blocks later streams from any source, a superset of the bug.)

import type { EngineError } from "../../errors.js";
import type { ReplicaParts } from "../../replica-api.js";
import type { StreamKey } from "../../store/store-api.js";
import { compareStreams, streamKeyString } from "../../sync/ids.js";
import { delegateStore } from "./delegate-store.js";

export const refusalBlocksBackfill: ReplicaParts = {
  store: (inner) => {
    const refused = new Map<string, { stream: StreamKey; error: EngineError }>();
    return delegateStore(inner, {
      apply: (stream, changes, opts) => {
        const key = streamKeyString(stream);
        if (opts.mode === "page") {
          for (const r of refused.values()) {
            if (compareStreams(r.stream, stream) < 0) return { kind: "rejected", error: r.error };
          }
        }
        const out = inner.apply(stream, changes, opts);
        if (opts.mode === "page" && out.kind === "rejected") {
          refused.set(key, { stream, error: out.error });
        } else if (out.kind === "applied") refused.delete(key);
        return out;
      },
    });
  },
};
