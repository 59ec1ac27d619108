// Issue 11 bug 9 (and its renamed-directory cousin), parents first across
// pulls: a page refused because the dependency buffer is full is never
// helped by fetching the awaited parents by id (PROTOCOL.md §3.6 RF-5), so
// a pull whose children arrive before their parent — a directory renamed
// after them, served at its latest seq — refuses the same page on every
// retry, as the engine did before RF-5.

import type { ReplicaParts } from "../../replica-api.js";
import { delegateStore } from "./delegate-store.js";

export const noParentsById: ReplicaParts = {
  store: (inner) => delegateStore(inner, { awaitedParents: () => [] }),
};
