// Every request the proxy forwards, held to the protocol's message rules by
// the runner itself (the protocol's decoder and request validators), not
// only by the peer that receives it: peers of one implementation share one
// validator, and a lax one would accept what another implementation
// refuses. Requests a check cannot read (compressed, GET, unknown RPCs)
// are left alone.
import { type DescMessage, fromJsonString, type MessageShape } from "@bufbuild/protobuf";
import {
  BackfillRequestSchema,
  decodeRequest,
  ErrorReason,
  ExchangeWatermarksRequestSchema,
  HelloRequestSchema,
  MAX_MESSAGE_BYTES,
  NotifyDataAvailableRequestSchema,
  ProtocolError,
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

/** A request that breaks the message rules: the reason's name and the rule's message. */
export type BadRequest = { readonly reason: string; readonly message: string };

type Check = (bytes: Uint8Array, json: boolean, ctx: RequestContext) => ValidationResult<unknown>;

function check<Desc extends DescMessage>(
  schema: Desc,
  validate: (req: MessageShape<Desc>, ctx: RequestContext) => ValidationResult<MessageShape<Desc>>,
): Check {
  return (bytes, json, ctx) => {
    const decoded = json ? fromJson(schema, bytes) : decodeRequest(schema, bytes);
    return decoded.ok ? validate(decoded.value, ctx) : decoded;
  };
}

function fromJson<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
): ValidationResult<MessageShape<Desc>> {
  try {
    return { ok: true, value: fromJsonString(schema, new TextDecoder().decode(bytes)) };
  } catch (err) {
    const message = `cannot decode ${schema.typeName} from JSON: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, error: new ProtocolError(ErrorReason.MALFORMED, message) };
  }
}

const CHECKS: Readonly<Record<string, Check>> = {
  Hello: check(HelloRequestSchema, validateHelloRequest),
  ExchangeWatermarks: check(ExchangeWatermarksRequestSchema, validateExchangeWatermarksRequest),
  Backfill: check(BackfillRequestSchema, validateBackfillRequest),
  PushChanges: check(PushChangesRequestSchema, validatePushChangesRequest),
  Reconcile: check(ReconcileRequestSchema, validateReconcileRequest),
  NotifyDataAvailable: check(NotifyDataAvailableRequestSchema, validateNotifyDataAvailableRequest),
};

/** How a request's message is framed, from its headers; undefined when it cannot be read. */
type Framing = { readonly enveloped: boolean; readonly json: boolean };

function framingOf(headers: Readonly<Record<string, unknown>>): Framing | undefined {
  if (headers[":method"] !== "POST") return undefined;
  const encoding = [
    headers["content-encoding"],
    headers["connect-content-encoding"],
    headers["grpc-encoding"],
  ];
  if (encoding.some((e) => e !== undefined && e !== "identity")) return undefined;
  const type = String(headers["content-type"] ?? "");
  if (type === "application/proto") return { enveloped: false, json: false };
  if (type === "application/json") return { enveloped: false, json: true };
  if (type === "application/connect+proto") return { enveloped: true, json: false };
  if (type === "application/connect+json") return { enveloped: true, json: true };
  if (type === "application/grpc" || type === "application/grpc+proto")
    return { enveloped: true, json: false };
  return undefined;
}

/** Collects one request's bytes as they pass, then judges its message. */
export class RequestCheck {
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  private readonly framing: Framing | undefined;
  private readonly check: Check | undefined;

  constructor(
    rpc: string,
    headers: Readonly<Record<string, unknown>>,
    private readonly ctx: RequestContext,
  ) {
    this.check = CHECKS[rpc];
    this.framing = this.check === undefined ? undefined : framingOf(headers);
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

  /** Once the request ended: what is wrong with it, or undefined (also when it could not be read). */
  verdict(): BadRequest | undefined {
    const { framing, check } = this;
    if (framing === undefined || check === undefined) return undefined;
    const message = this.message(Buffer.concat(this.parts), framing);
    if (message === undefined) return undefined;
    const result = check(message, framing.json, this.ctx);
    if (result.ok) return undefined;
    return { reason: ErrorReason[result.error.reason], message: result.error.rawMessage };
  }

  /** The request's one message: the body, or its first envelope (undefined: compressed or cut short). */
  private message(body: Buffer, framing: Framing): Uint8Array | undefined {
    if (!framing.enveloped) return body;
    if (body.length < 5 || ((body[0] ?? 0) & 0x01) !== 0) return undefined;
    const length = body.readUInt32BE(1);
    return body.length < 5 + length ? undefined : body.subarray(5, 5 + length);
  }
}
