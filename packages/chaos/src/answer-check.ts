// Every answer the proxy forwards, held to the protocol's message rules for
// the request it answers (the protocol's response validators), as the
// simulator's honest-answers does in memory: a peer that answers badly is
// mostly refused and routed around by its callers, so only a check of the
// answers themselves sees it. Backfill pages are judged one by one as they
// pass, each against the request and what the call delivered before it.
import {
  type AnswerJudge,
  answerJudge,
  callSchemas,
  ErrorReason,
  MAX_MESSAGE_BYTES,
  type ValidationResult,
} from "@tidemark/protocol";
import { type CallError, connectErrorJson, grpcError } from "./call-error.js";
import { COMPRESSED, END_STREAM, type Envelope, EnvelopeReader } from "./envelopes.js";
import { decodeMessage, type Framing, framingOf, inflate } from "./wire-framing.js";

/** An answer that breaks the message rules: the reason's name and the rule's message. */
export type BadAnswer = { readonly reason: string; readonly message: string };

/** Judges one answer message's bytes; undefined when it cannot be judged. */
type Judge = (bytes: Uint8Array, json: boolean) => ValidationResult<unknown> | undefined;

const bad = (r: ValidationResult<unknown> | undefined): BadAnswer | undefined =>
  r === undefined || r.ok
    ? undefined
    : { reason: ErrorReason[r.error.reason], message: r.error.rawMessage };

/** Decodes each answer of `rpc` and hands it to the protocol's judge of the call. */
function judgeOf(rpc: string, request: unknown, libraryId: Uint8Array): Judge | undefined {
  const output = callSchemas(rpc)?.output;
  if (output === undefined) return undefined;
  const judge: AnswerJudge = answerJudge(rpc, request, { libraryId });
  return (bytes, json) => {
    const decoded = decodeMessage(output, bytes, json);
    return decoded.ok ? judge(decoded.value) : decoded;
  };
}

/** What of a failed unary answer's body is kept to read its error from (an error message is short). */
const ERROR_BYTES = 8 * 1024;

/**
 * Reads one answer as it passes, once for both uses: the call's error (a
 * Connect unary body with a status other than 200, a stream's end message,
 * gRPC's status trailer) and the first message that broke the rules for its
 * request (when a library was given to judge against).
 */
export class AnswerReader {
  private readonly status: number;
  private readonly grpc: boolean;
  private readonly framing: Framing | undefined;
  private readonly judge: Judge | undefined;
  private readonly envelopes: EnvelopeReader | undefined;
  private readonly parts: Buffer[] = [];
  private kept = 0;
  private found: BadAnswer | undefined;
  private endError: CallError | undefined;

  constructor(
    rpc: string,
    private readonly headers: Readonly<Record<string, unknown>>,
    request: unknown,
    libraryId: Uint8Array | undefined,
  ) {
    this.status = Number(headers[":status"] ?? 0);
    this.grpc = String(headers["content-type"] ?? "").startsWith("application/grpc");
    this.framing = framingOf(headers);
    this.judge =
      libraryId === undefined || this.framing === undefined || this.status !== 200
        ? undefined
        : judgeOf(rpc, request, libraryId);
    // Messages are kept only to be judged; a Connect end message always, for its error.
    const wanted = (flags: number) => (flags & END_STREAM) !== 0 || this.judge !== undefined;
    this.envelopes =
      this.framing?.enveloped === true
        ? new EnvelopeReader((e) => this.envelope(e), wanted)
        : undefined;
  }

  /** Whether this answer can be judged (a known RPC and request, framing the check reads, 200). */
  get readable(): boolean {
    return this.judge !== undefined;
  }

  chunk(buf: Buffer): void {
    if (this.envelopes !== undefined) {
      this.envelopes.chunk(buf);
      return;
    }
    // A bare body: the answer to judge, or a failed call's error.
    const limit =
      this.status === 200 ? (this.judge === undefined ? 0 : MAX_MESSAGE_BYTES + 1) : ERROR_BYTES;
    if (this.grpc || this.kept >= limit) return;
    const part = buf.subarray(0, limit - this.kept);
    this.parts.push(part);
    this.kept += part.length;
  }

  /** The answer ended whole (not cut): what was wrong with it, if anything. */
  verdict(): BadAnswer | undefined {
    const { judge, framing } = this;
    if (this.found !== undefined || judge === undefined || framing === undefined) return this.found;
    if (this.envelopes !== undefined) return undefined;
    const body = inflate(Buffer.concat(this.parts), framing.encoding);
    return body === undefined ? undefined : bad(judge(body, framing.json));
  }

  /** The call's error once it ended; `trailers`: gRPC's, when it sent them. */
  error(trailers: Readonly<Record<string, unknown>> | undefined): CallError | undefined {
    if (this.grpc) return grpcError(trailers) ?? grpcError(this.headers);
    if (this.envelopes !== undefined) return this.endError;
    if (this.status === 200 || this.kept === 0) return undefined;
    const body = inflate(Buffer.concat(this.parts), this.framing?.encoding ?? "identity");
    return body === undefined ? undefined : connectErrorJson(Buffer.from(body).toString("utf8"));
  }

  private envelope(e: Envelope): void {
    const { judge, framing } = this;
    if (framing === undefined) return;
    const data =
      e.data === undefined || (e.flags & COMPRESSED) === 0
        ? e.data
        : inflate(e.data, framing.encoding);
    // The end-stream envelope carries the call's status, not a message.
    if ((e.flags & END_STREAM) !== 0) {
      if (data !== undefined) this.endError = connectErrorJson(Buffer.from(data).toString("utf8"));
      return;
    }
    if (judge === undefined || this.found !== undefined) return;
    if (e.data === undefined) {
      this.found = {
        reason: ErrorReason[ErrorReason.MESSAGE_TOO_LARGE],
        message: `a ${e.length}-byte message`,
      };
      return;
    }
    if (data !== undefined) this.found = bad(judge(data, framing.json));
  }
}
