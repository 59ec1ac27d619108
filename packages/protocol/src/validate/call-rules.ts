// The message rules of one call, by RPC name: its request's validator, and
// a judge of its answers against that request (each Backfill page against
// the request and the pages before it in the call). For harnesses that see
// calls as data — a proxy, a scripted peer, a conformance runner — rather
// than through a typed client.
import type { DescMessage } from "@bufbuild/protobuf";
import { isMessage } from "@bufbuild/protobuf";
import type { StreamId } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  type BackfillRequest,
  BackfillRequestSchema,
  BackfillResponseSchema,
  ExchangeWatermarksRequestSchema,
  ExchangeWatermarksResponseSchema,
  HelloRequestSchema,
  HelloResponseSchema,
  NotifyDataAvailableRequestSchema,
  PushChangesRequestSchema,
  PushChangesResponseSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
  SyncService,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { validateBackfillRequest, validateBackfillResponse } from "./backfill.js";
import type { RequestContext } from "./context.js";
import {
  validateExchangeWatermarksRequest,
  validateExchangeWatermarksResponse,
} from "./exchange-watermarks.js";
import { streamKey } from "./fields.js";
import { validateHelloRequest, validateHelloResponse } from "./hello.js";
import { validateNotifyDataAvailableRequest } from "./notify-data-available.js";
import { validatePushChangesRequest, validatePushChangesResponse } from "./push-changes.js";
import { validateReconcileRequest, validateReconcileResponse } from "./reconcile.js";
import type { ValidationResult } from "./result.js";

/** The request and answer schemas of an RPC of SyncService, by its name ("Backfill"). */
export function callSchemas(
  rpc: string,
): { readonly input: DescMessage; readonly output: DescMessage } | undefined {
  return SyncService.methods.find((m) => m.name === rpc);
}

/** Validates a request of any SyncService RPC (undefined: not one of their request types). */
export function validateRequestOf(
  req: unknown,
  ctx: RequestContext,
): ValidationResult<unknown> | undefined {
  if (isMessage(req, HelloRequestSchema)) return validateHelloRequest(req, ctx);
  if (isMessage(req, ExchangeWatermarksRequestSchema))
    return validateExchangeWatermarksRequest(req, ctx);
  if (isMessage(req, BackfillRequestSchema)) return validateBackfillRequest(req, ctx);
  if (isMessage(req, PushChangesRequestSchema)) return validatePushChangesRequest(req, ctx);
  if (isMessage(req, ReconcileRequestSchema)) return validateReconcileRequest(req, ctx);
  if (isMessage(req, NotifyDataAvailableRequestSchema))
    return validateNotifyDataAvailableRequest(req, ctx);
  return undefined;
}

/** Judges one answer of a call; undefined when the answer is not judged (no rule, no request). */
export type AnswerJudge = (answer: unknown) => ValidationResult<unknown> | undefined;

/**
 * The judge of `rpc`'s answers to `request` (undefined when the request is
 * unknown: only the rules that need none are applied). A Backfill's judge
 * keeps what the call delivered, so judge its pages in order.
 */
export function answerJudge(rpc: string, request: unknown, ctx: RequestContext): AnswerJudge {
  switch (rpc) {
    case "Hello": {
      const offeredVersion = isMessage(request, HelloRequestSchema)
        ? request.protocolVersion
        : undefined;
      return (a) =>
        isMessage(a, HelloResponseSchema)
          ? validateHelloResponse(a, { ...ctx, ...(offeredVersion ? { offeredVersion } : {}) })
          : undefined;
    }
    case "ExchangeWatermarks":
      return (a) =>
        isMessage(a, ExchangeWatermarksResponseSchema)
          ? validateExchangeWatermarksResponse(a)
          : undefined;
    case "PushChanges": {
      const pushed = isMessage(request, PushChangesRequestSchema) ? { request } : {};
      return (a) =>
        isMessage(a, PushChangesResponseSchema)
          ? validatePushChangesResponse(a, pushed)
          : undefined;
    }
    case "Reconcile":
      return (a) =>
        isMessage(a, ReconcileResponseSchema) && isMessage(request, ReconcileRequestSchema)
          ? validateReconcileResponse(a, { request })
          : undefined;
    case "Backfill":
      return pagesJudge(isMessage(request, BackfillRequestSchema) ? request : undefined);
    default:
      return () => undefined;
  }
}

/** Backfill pages in turn: each above what the call already delivered of its stream. */
function pagesJudge(request: BackfillRequest | undefined): AnswerJudge {
  const delivered = new Map<string, bigint>();
  return (page) => {
    if (!isMessage(page, BackfillResponseSchema)) return undefined;
    const result = validateBackfillResponse(page, {
      ...(request === undefined ? {} : { request }),
      previousCursor: (s: StreamId) => delivered.get(streamKey(s)),
    });
    const last = page.changes.at(-1)?.seq;
    if (page.stream !== undefined && last !== undefined)
      delivered.set(streamKey(page.stream), last);
    return result;
  };
}
