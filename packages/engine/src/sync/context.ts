// What every control-plane part shares: the store, the ports, config,
// metrics, the work tracker and a logger that stamps the device id.

import type { Metrics } from "../metrics/metrics.js";
import type { LogFields, LogLevel, Ports } from "../ports.js";
import type { DecideEnv, SyncConfig } from "../replica-api.js";
import type { IdHex, ReplicaStore } from "../store/store-api.js";
import type { Deadline } from "./abort.js";
import type { DecideInput, Decision } from "./decide.js";
import type { WorkTracker } from "./work-tracker.js";

export type SyncContext = {
  readonly store: ReplicaStore;
  readonly ports: Ports;
  readonly config: SyncConfig;
  /** The per-stream decision (decideStream unless a test injected another). */
  readonly decide: (input: DecideInput, env: DecideEnv) => Decision;
  readonly metrics: Metrics;
  readonly work: WorkTracker;
  readonly deviceId: IdHex;
  readonly libraryId: IdHex;
  readonly deviceIdBytes: Uint8Array;
  readonly libraryIdBytes: Uint8Array;
  readonly deviceName: string;
  /** Deadlines of in-flight calls, aborted on close. */
  readonly deadlines: Set<Deadline>;
  closed: boolean;
  log(level: LogLevel, fields: LogFields, msg: string): void;
};

/** A seq as a log field: a number while exact, else a string; absent is null. */
export function seqField(seq: bigint | undefined): number | string | null {
  if (seq === undefined) return null;
  return seq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seq) : seq.toString();
}

/** Short human form of an error for logs. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
