// Every request the proxy forwards, held to the protocol's message rules by
// the runner itself (the protocol's decoder and request validators), not
// only by the peer that receives it: peers of one implementation share one
// validator, and a lax one would accept what another implementation
// refuses. Requests a check cannot read (compressed, GET, unknown RPCs)
// are left alone.
import type { DescMessage } from "@bufbuild/protobuf";
import {
  callSchemas,
  ErrorReason,
  MAX_MESSAGE_BYTES,
  type RequestContext,
  validateRequestOf,
} from "@tidemark/protocol";
import { decodeMessage, type Framing, framingOf, messageOf } from "./wire-framing.js";

/** A request that breaks the message rules: the reason's name and the rule's message. */
export type BadRequest = { readonly reason: string; readonly message: string };

/** Collects one request's bytes as they pass, then judges its message once it ended. */
export class RequestCheck {
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  private readonly framing: Framing | undefined;
  private readonly schema: DescMessage | undefined;
  private judged: { readonly message?: unknown; readonly bad?: BadRequest } | undefined;

  constructor(
    rpc: string,
    headers: Readonly<Record<string, unknown>>,
    private readonly ctx: RequestContext,
  ) {
    this.schema = callSchemas(rpc)?.input;
    // Connect's GET form of unary calls carries the message in the URL: left alone.
    this.framing =
      this.schema === undefined || headers[":method"] !== "POST" ? undefined : framingOf(headers);
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
    const { framing, schema } = this;
    if (this.judged !== undefined || framing === undefined || schema === undefined) return;
    const message = messageOf(Buffer.concat(this.parts), framing);
    this.parts.length = 0;
    if (message === undefined) {
      this.judged = {};
      return;
    }
    const decoded = decodeMessage(schema, message, framing.json);
    const result = decoded.ok ? (validateRequestOf(decoded.value, this.ctx) ?? decoded) : decoded;
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
