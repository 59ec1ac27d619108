// Public surface of @tidemark/engine.

export { DEFAULT_BOUNDS, type Rate, type ReplicaBounds, resolveBounds } from "./bounds.js";
export { EngineError, EngineErrorCode, isEngineError } from "./errors.js";
export {
  addInto,
  FINGERPRINT_BYTES,
  fingerprintOf,
  itemHash,
  sha256,
  subInto,
} from "./fingerprint/index.js";
export {
  DEFAULT_HLC_MAX_OFFSET_MS,
  hlcCounter,
  hlcMs,
  hlcPack,
  hlcReceive,
  hlcTick,
} from "./hlc/index.js";
export {
  type ChangeSigner,
  ed25519RawPublicKey,
  ed25519Signer,
  ed25519SignerFromSeed,
} from "./identity/signer.js";
export {
  originKeyFor,
  type StreamVerifier,
  type StreamVerifyInput,
  verifyStreamChanges,
  verifyStreamHead,
} from "./identity/verify.js";
export { METRIC_HELP, type MetricLabels, Metrics } from "./metrics/metrics.js";
export type {
  Clock,
  LogFields,
  Logger,
  LogLevel,
  Ports,
  Random,
  SyncClient,
  TimerHandle,
  Timers,
  Transport,
} from "./ports.js";
export {
  DEFAULT_BRANCHING,
  DEFAULT_FRAME_SIZE_LIMIT,
  DEFAULT_LIST_THRESHOLD,
  MIN_FRAME_SIZE_LIMIT,
  ReconcileInitiator,
  type ReconcileOptions,
  ReconcileResponder,
  type ReconcileRunStats,
  ReconcileSet,
  rangeFingerprint,
  runReconciliation,
} from "./reconcile/index.js";
export { openReplica, TidemarkReplica } from "./replica.js";
export type * from "./replica-api.js";
export { createSyncService, type ServiceHooks } from "./service/sync-service.js";
export type { DependencyStats } from "./store/dep-buffer.js";
export type { ResourceDef, StoreOptions } from "./store/index.js";
export {
  canonicalState,
  closureRows,
  compareIds,
  DEFAULT_DEPENDENCY_BUFFER_MAX,
  expectedClosureRows,
  idFromHex,
  idToHex,
  isInSubtree,
  newRowId,
  openStore,
  RESOURCES,
  recomputeFingerprint,
  resourceDef,
  streamKey,
  streamKeyOf,
  streamKeyString,
  subtreeOf,
  toStreamId,
} from "./store/index.js";
export type * from "./store/store-api.js";
export { backoffDelayMs } from "./sync/backoff.js";
export { DEFAULT_SYNC_CONFIG, pageTimeoutMs, resolveSyncConfig } from "./sync/config.js";
export {
  type DecideInput,
  type Decision,
  type DecisionKind,
  decideStream,
  type LocalSide,
  type StreamSide,
} from "./sync/decide.js";
export { CAPABILITIES, CODED_SYMBOLS_CAPABILITY } from "./sync/peer-sync.js";
export type { PrunedStream } from "./sync/pruning.js";
