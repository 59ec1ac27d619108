// What every control-plane part shares: the store, the ports, config,
// metrics, the work tracker and a logger that stamps the device id.

import type { StreamWatermark } from "@tidemark/protocol";
import type { ReplicaBounds } from "../bounds.js";
import { type EngineError, EngineErrorCode } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import type { LogFields, LogLevel, Ports } from "../ports.js";
import type { DecideEnv, SyncConfig } from "../replica-api.js";
import type { IdHex, ReplicaStore } from "../store/store-api.js";
import type { Deadline } from "./abort.js";
import type { DecideInput, Decision } from "./decide.js";
import type { WatermarkWindow } from "./watermark-window.js";
import type { WorkTracker } from "./work-tracker.js";

export type SyncContext = {
  readonly store: ReplicaStore;
  readonly ports: Ports;
  readonly config: SyncConfig;
  /** The per-stream decision (decideStream unless a test injected another). */
  readonly decide: (input: DecideInput, env: DecideEnv) => Decision;
  /** Builds a reconcile run's initiator (a ReconcileInitiator unless a test injected another). */
  readonly initiator: NonNullable<import("../replica-api.js").ReplicaParts["reconcileInitiator"]>;
  /** What any one peer can make this replica hold or do (bounds.ts). */
  readonly bounds: ReplicaBounds;
  readonly metrics: Metrics;
  readonly work: WorkTracker;
  readonly deviceId: IdHex;
  readonly libraryId: IdHex;
  readonly deviceIdBytes: Uint8Array;
  readonly libraryIdBytes: Uint8Array;
  readonly deviceName: string;
  /** Who callers are taken to be (PROTOCOL.md "Authorization"). */
  readonly callers: import("../replica-api.js").CallerIdentity;
  /** Checks received changes against their origin's signature (identity/verify.ts). */
  readonly verify: import("../identity/verify.js").StreamVerifier;
  /** Calls refused before they reached the library. */
  readonly refusals: import("../service/refusals.js").Refusals;
  /** Keeps every watermark list under MAX_STREAMS_PER_MESSAGE. */
  readonly watermarkWindow: WatermarkWindow;
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

/**
 * A bound was reached (issue 14): one warn event `limit-reached` naming the
 * limit, and `tidemark_limit_breaches_total{limit}`. Every bound of
 * protocol/limits.ts reports here, so one metric shows them all.
 */
export function limitReached(
  ctx: SyncContext,
  limit: string,
  fields: Omit<LogFields, "event">,
): void {
  ctx.metrics.inc("tidemark_limit_breaches_total", { limit });
  ctx.log("warn", { ...fields, event: "limit-reached", limit }, `${limit} limit reached`);
}

/** Store refusals that mean the changes were forged (PROTOCOL.md §15 AU-6, §16). */
const FORGERY = new Set<EngineErrorCode>([
  EngineErrorCode.BadSignature,
  EngineErrorCode.ForgedOrigin,
  EngineErrorCode.NotOrigin,
]);

/**
 * Counts and logs a refusal of forged changes (`tidemark_rejected_changes_total{reason}`);
 * true if it was one.
 */
export function noteForgery(
  ctx: SyncContext,
  error: EngineError,
  fields: Omit<LogFields, "event">,
): boolean {
  if (!FORGERY.has(error.code)) return false;
  ctx.metrics.inc("tidemark_rejected_changes_total", { reason: error.code });
  ctx.log(
    "error",
    { ...fields, event: "forged-changes", code: error.code, error: error.message },
    "refused changes not written by their stream's origin",
  );
  return true;
}

/** Reports a store refusal that is a bound (BufferFull) through limitReached; true if it was one. */
export function noteBoundRefusal(
  ctx: SyncContext,
  error: EngineError,
  fields: Omit<LogFields, "event">,
): boolean {
  if (error.code !== EngineErrorCode.BufferFull) return false;
  const limit = typeof error.details.limit === "string" ? error.details.limit : "buffer";
  limitReached(ctx, limit, { ...fields, error: error.message });
  return true;
}

/**
 * This replica's watermarks for a message to `peer`, never more than the
 * protocol's limit (watermark-window.ts); a cut list is a limit event.
 */
export function watermarksFor(ctx: SyncContext, peer: string): StreamWatermark[] {
  const all = ctx.store.watermarks();
  const { watermarks, truncated } = ctx.watermarkWindow.select(peer, all);
  if (truncated > 0)
    limitReached(ctx, "streams-per-message", { peer, streams: all.length, truncated });
  return watermarks;
}

/**
 * The device the transport authenticated at the other end of a call with
 * `peer` (ApplyOptions.sentBy); undefined when callers are only claimed.
 */
export function authenticatedSender(
  ctx: Pick<SyncContext, "callers">,
  peer: string | undefined,
): string | undefined {
  return ctx.callers === "authenticated" ? peer : undefined;
}
