// The end-to-end tests run `tidemark` as a user does: the compiled CLI
// (bin/tidemark -> dist/). Build what is stale first, once, so the many
// processes the tests start never race to build it.
// @ts-expect-error: a plain .mjs script without types
import { ensureBuilt } from "../scripts/ensure-built.mjs";

export default function setup(): void {
  if (!(ensureBuilt as () => boolean)()) throw new Error("building the CLI failed (see above)");
}
