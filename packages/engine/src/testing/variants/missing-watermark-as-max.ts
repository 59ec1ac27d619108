// B4, the seed's `Duration::MAX`: a missing cursor reads as "infinitely
// far ahead", so a replica with no cursor never pulls, and a peer that
// lists no cursor looks ahead of everyone.
import type { ReplicaParts } from "../../replica-api.js";
import { bytesEqual } from "../../store/ids.js";
import type { Decision } from "../../sync/decide.js";

export const missingWatermarkAsMax: ReplicaParts = {
  decide({ local, remote }): Decision {
    const localCursor = local?.cursor;
    const remoteCursor = remote?.cursor;
    if (localCursor === undefined) return { kind: "nothing", reason: "bug-missing-local-is-max" };
    if (remoteCursor === undefined || remoteCursor > localCursor) {
      return { kind: "pull", reason: "bug-peer-ahead-or-missing", afterSeq: localCursor };
    }
    if (
      remoteCursor === localCursor &&
      remote !== undefined &&
      local !== undefined &&
      !bytesEqual(local.fingerprint, remote.fingerprint)
    ) {
      return { kind: "reconcile", reason: "fingerprint-mismatch" };
    }
    return { kind: "nothing", reason: "in-sync-or-peer-behind" };
  },
};
