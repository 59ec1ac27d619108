// The chaos runs start `tidemark` as a user does (bin/tidemark -> dist/):
// build what is stale once, before the peers race to build it.
// @ts-expect-error: a plain .mjs script without types
import { ensureBuilt } from "../../../apps/node-peer/scripts/ensure-built.mjs";

export default function setup(): void {
  if (!(ensureBuilt as () => boolean)()) throw new Error("building the CLI failed (see above)");
}
