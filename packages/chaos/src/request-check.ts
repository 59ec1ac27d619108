// Every request the proxy forwards, held to the protocol's message rules by
// the runner itself (the protocol's decoder and request validators), not
// only by the peer that receives it: peers of one implementation share one
// validator, and a lax one would accept what another implementation
// refuses. Requests a check cannot read (compressed, GET, unknown RPCs)
// are left alone.
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import {
  BackfillRequestSchema,
  ErrorReason,
  ExchangeWatermarksRequestSchema,
  HelloRequestSchema,
  MAX_MESSAGE_BYTES,
  NotifyDataAvailableRequestSchema,
  PushChangesRequestSchema,
  ReconcileRequestSchema,
  type RequestContext,
  type ValidationResult,
  validateBackfillRequest,
  validateExchangeWatermarksRequest,
  validateHelloRequest,
  validateNotifyDataAvailableRequest,
  validatePushChangesRequest,
  validateReconcileRequest,
} from "@tidemark/protocol";
import { decodeMessage, type Framing, framingOf, messageOf } from "./wire-framing.js";

/** A request that breaks the message rules: the reason's name and the rule's message. */
export type BadRequest = { readonly reason: string; readonly message: string };

type Check = (bytes: Uint8Array, json: boolean, ctx: RequestContext) => ValidationResult<unknown>;

function check<Desc extends DescMessage>(
  schema: Desc,
  validate: (req: MessageShape<Desc>, ctx: RequestContext) => ValidationResult<MessageShape<Desc>>,
): Check {
  return (bytes, json, ctx) => {
    const decoded = decodeMessage(schema, bytes, json);
    return decoded.ok ? validate(decoded.value, ctx) : decoded;
  };
}

const CHECKS: Readonly<Record<string, Check>> = {
  Hello: check(HelloRequestSchema, validateHelloRequest),
  ExchangeWatermarks: check(ExchangeWatermarksRequestSchema, validateExchangeWatermarksRequest),
  Backfill: check(BackfillRequestSchema, validateBackfillRequest),
  PushChanges: check(PushChangesRequestSchema, validatePushChangesRequest),
  Reconcile: check(ReconcileRequestSchema, validateReconcileRequest),
  NotifyDataAvailable: check(NotifyDataAvailableRequestSchema, validateNotifyDataAvailableRequest),
};

/** Collects one request's bytes as they pass, then judges its message once it ended. */
export class RequestCheck {
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  private readonly framing: Framing | undefined;
  private readonly check: Check | undefined;
  private judged: { readonly message?: unknown; readonly bad?: BadRequest } | undefined;

  constructor(
    rpc: string,
    headers: Readonly<Record<string, unknown>>,
    private readonly ctx: RequestContext,
  ) {
    this.check = CHECKS[rpc];
    // Connect's GET form of unary calls carries the message in the URL: left alone.
    this.framing =
      this.check === undefined || headers[":method"] !== "POST" ? undefined : framingOf(headers);
  }

  /** Whether this request can be judged (a known RPC, framing the check reads). */
  get readable(): boolean {
    return this.framing !== undefined;
  }

  chunk(buf: Buffer): void {
    if (this.framing === undefined || this.bytes > MAX_MESSAGE_BYTES + 5) return;
    this.parts.push(buf);
    this.bytes += buf.length;
  }

  /** The request ended: judges it (once), so the answer can be read against it. */
  finish(): void {
    const { framing, check } = this;
    if (this.judged !== undefined || framing === undefined || check === undefined) return;
    const message = messageOf(Buffer.concat(this.parts), framing);
    this.parts.length = 0;
    if (message === undefined) {
      this.judged = {};
      return;
    }
    const result = check(message, framing.json, this.ctx);
    this.judged = result.ok
      ? { message: result.value }
      : { bad: { reason: ErrorReason[result.error.reason], message: result.error.rawMessage } };
  }

  /** The decoded request when it was well-formed (the answer's context). */
  get request(): unknown {
    return this.judged?.message;
  }

  /** What is wrong with the request, once finished; undefined when nothing (or unreadable). */
  verdict(): BadRequest | undefined {
    return this.judged?.bad;
  }
}
