// CU-8 broken (revision 1.1's hole): another origin's stream is bounded only
// by what the relay itself claims, as if every stream of another origin had
// a head signed at the top, so a paired relay that advertises 1000 where
// the origin reached 40 moves the caller's cursor to 1000.
import type { ReplicaParts } from "../../replica-api.js";
import { delegateStore } from "./delegate-store.js";

const UNBOUNDED = 0xffff_ffff_ffff_ffffn;

export const relayClaimsBelieved: ReplicaParts = {
  store: (inner) =>
    delegateStore(inner, {
      verifiedHead: (stream) =>
        stream.origin.toLowerCase() === inner.deviceId ? inner.verifiedHead(stream) : UNBOUNDED,
    }),
};
