export { DEFAULT_DEPENDENCY_BUFFER_MAX } from "./dep-buffer.js";
export {
  compareIds,
  ID_BYTES,
  idFromHex,
  idToHex,
  newRowId,
  streamKey,
  streamKeyOf,
  streamKeyString,
  toStreamId,
} from "./ids.js";
export {
  canonicalState,
  closureRows,
  expectedClosureRows,
  isInSubtree,
  recomputeFingerprint,
  subtreeOf,
} from "./inspect.js";
export { MIGRATIONS, migrate, SCHEMA_VERSION } from "./migrations.js";
export type { ResourceDef } from "./registry.js";
export { RESOURCES, resourceDef } from "./registry.js";
export type { StoreOptions } from "./store.js";
export { openStore } from "./store.js";
