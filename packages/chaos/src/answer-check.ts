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
  type ValidationResult,
} from "@tidemark/protocol";
import { END_STREAM } from "./call-error.js";
import { type Envelope, EnvelopeReader } from "./envelopes.js";
import { COMPRESSED, decodeMessage, type Framing, inflate } from "./wire-framing.js";

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

/** Collects one answer as it passes; the first bad message it carried, if any. */
export class AnswerCheck {
  private readonly judge: Judge | undefined;
  private readonly envelopes: EnvelopeReader | undefined;
  private readonly parts: Buffer[] = [];
  private found: BadAnswer | undefined;

  constructor(
    rpc: string,
    private readonly framing: Framing | undefined,
    status: number,
    request: unknown,
    libraryId: Uint8Array,
  ) {
    this.judge =
      framing === undefined || status !== 200 ? undefined : judgeOf(rpc, request, libraryId);
    this.envelopes =
      this.judge !== undefined && framing?.enveloped === true
        ? new EnvelopeReader((e) => this.envelope(e))
        : undefined;
  }

  /** Whether this answer can be judged (a known RPC and request, framing the check reads, 200). */
  get readable(): boolean {
    return this.judge !== undefined;
  }

  chunk(buf: Buffer): void {
    if (this.judge === undefined || this.found !== undefined) return;
    if (this.envelopes !== undefined) this.envelopes.chunk(buf);
    else this.parts.push(buf);
  }

  /** The answer ended whole (not cut): what was wrong with it, if anything. */
  verdict(): BadAnswer | undefined {
    const { judge, framing } = this;
    if (this.found !== undefined || judge === undefined || framing === undefined) return this.found;
    if (this.envelopes !== undefined) return undefined;
    const body = inflate(Buffer.concat(this.parts), framing.encoding);
    return body === undefined ? undefined : bad(judge(body, framing.json));
  }

  private envelope(e: Envelope): void {
    const { judge, framing } = this;
    // The end-stream envelope carries the call's status, not a message.
    if ((e.flags & END_STREAM) !== 0 || judge === undefined || framing === undefined) return;
    if (e.data === undefined) {
      this.found = {
        reason: ErrorReason[ErrorReason.MESSAGE_TOO_LARGE],
        message: `a ${e.length}-byte message`,
      };
      return;
    }
    const data = (e.flags & COMPRESSED) === 0 ? e.data : inflate(e.data, framing.encoding);
    if (data !== undefined) this.found = bad(judge(data, framing.json));
  }
}
