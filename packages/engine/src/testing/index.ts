// @tidemark/engine/testing: what a test harness needs beyond the public
// engine — known-bad variants to inject (ReplicaParts), reads of a
// replica's database for a probe, damage to a stopped replica's database,
// and builders of local writes. Never imported by production code.

export {
  changeOf,
  collectionWrite,
  deviceWrite,
  entryWrite,
  locationWrite,
  tagAssignmentWrite,
  tagWrite,
  tombstoneWrite,
  volumeWrite,
} from "../store/testing.js";
export { type Damage, type DamagedRow, damageDatabase } from "./damage.js";
export { type TestIdentity, testIdentity } from "./identity.js";
export { DbInspector, type EntryItem, type VisibleChange } from "./inspect.js";
export type { TreeReport } from "./tree-check.js";
export {
  CONFORMANCE_NAMES,
  CONFORMANCE_VARIANTS,
  KNOWN_BAD_NAMES,
  KNOWN_BAD_VARIANTS,
  type KnownBadVariant,
  knownBadParts,
  REGRESSION_NAMES,
  REGRESSION_VARIANTS,
} from "./variants/index.js";
