// Every answer a peer sends is validated before anything acts on it: an
// invalid one fails that attempt (logged with its reason, counted, backoff
// through the caller's failure path) and is never applied.
import { ErrorReason, type ValidationResult } from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";
import type { SyncContext } from "./context.js";
import type { PeerSync } from "./peer-sync.js";

/** The RPCs whose answers we validate (the metric's `rpc` label). */
export type CheckedRpc = "hello" | "exchange" | "backfill" | "push" | "reconcile";

/** Why an answer was refused: an ErrorReason's name, the field, the text. */
export type Refusal = {
  readonly reason: string;
  readonly field: string | undefined;
  readonly message: string;
};

/**
 * Returns the validated response, or throws an `invalid` EngineError whose
 * cause is the validator's ProtocolError (its reason is in the details).
 * Counted and logged by `noteRefusal`.
 */
export function checkResponse<T>(
  ctx: SyncContext,
  source: PeerSync,
  rpc: CheckedRpc,
  result: ValidationResult<T>,
): T {
  if (result.ok) return result.value;
  const err = result.error;
  const reason = ErrorReason[err.reason] ?? String(err.reason);
  noteRefusal(ctx, source, rpc, { reason, field: err.field, message: err.rawMessage });
  throw new EngineError(
    EngineErrorCode.Invalid,
    `invalid ${rpc} response from peer: ${err.message}`,
    { rpc, reason, field: err.field },
    { cause: err },
  );
}

/**
 * Every refused answer, whoever refused it (a validator, or the caller's
 * own checks of a valid-looking answer): counts
 * `tidemark_invalid_responses_total{peer,rpc,reason}` and logs a warning
 * naming the reason and field. An honest peer's answer is never refused,
 * so any count is a faulty or lying peer (or a fault of our own).
 */
export function noteRefusal(
  ctx: SyncContext,
  source: PeerSync,
  rpc: CheckedRpc,
  refusal: Refusal,
): void {
  const { reason, field, message } = refusal;
  ctx.metrics.inc("tidemark_invalid_responses_total", { peer: source.peer, rpc, reason });
  ctx.log(
    "warn",
    {
      event: "invalid-response",
      peer: source.peer,
      state: source.state,
      rpc,
      reason,
      field,
      error: message,
    },
    `peer sent an invalid ${rpc} response (${reason}): ${message}`,
  );
}
