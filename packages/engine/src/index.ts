// Public surface of @tidemark/engine.

export { EngineError, EngineErrorCode, isEngineError } from "./errors.js";
export {
  addInto,
  FINGERPRINT_BYTES,
  fingerprintOf,
  itemHash,
  sha256,
  subInto,
} from "./fingerprint/index.js";
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
export type * from "./replica-api.js";
export type * from "./store/store-api.js";
