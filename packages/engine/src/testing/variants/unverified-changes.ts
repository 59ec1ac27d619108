// Issue 13's hole re-opened: a receiver that stores whatever a peer hands
// it without checking its origin's signature (PROTOCOL.md §16 SG-4), as if
// every sender were the origin (SG-8 stretched to relays). A
// carried key that derives the origin is still kept, so relaying works and
// only forgery gets through: a relay that alters rows makes them stick.
import { originKeyFor } from "../../identity/verify.js";
import type { ReplicaParts } from "../../replica-api.js";

export const unverifiedChanges: ReplicaParts = {
  verify: (input) => {
    if (input.changes.length === 0) return undefined;
    try {
      return originKeyFor(input);
    } catch {
      return undefined;
    }
  },
};
