// Signed stream heads (PROTOCOL.md §16 SG-9, §3.5 CU-8): an origin signs
// "I had my stream through seq N"; every replica keeps the highest one it
// verified for each other origin's stream it holds and relays it, so a
// caller can bound a relay's claims about a third device's stream by what
// that device itself signed. Own streams: the signed confirmed cursor.
import { create } from "@bufbuild/protobuf";
import { headSigningBytes, type StreamHead, StreamHeadSchema } from "@tidemark/protocol";
import { type HeadRefusal, verifyStreamHead } from "../identity/verify.js";
import { settled } from "./own-seqs.js";
import type { StreamRow } from "./stream-state.js";

export type HeadOutcome = { readonly seq: bigint } | { readonly refused: HeadRefusal };

export class StreamHeads {
  /** Own streams: the last signed head per stream (signing once per cursor). */
  private readonly ownSigned = new Map<string, StreamHead>();

  constructor(
    private readonly library: Uint8Array,
    private readonly self: string,
    private readonly sign: ((message: Uint8Array) => Uint8Array) | undefined,
    private readonly key: (origin: Uint8Array) => Uint8Array | undefined,
  ) {}

  /** Verifies a received head of stream (origin, resource). */
  verify(
    origin: Uint8Array,
    resource: number,
    head: StreamHead,
    carriedKey: Uint8Array | undefined,
  ): ReturnType<typeof verifyStreamHead> {
    return verifyStreamHead({
      libraryId: this.library,
      origin,
      resource,
      head,
      carriedKey,
      storedKey: this.key(origin),
    });
  }

  /** The highest seq its origin vouched for: own settled cursor, else the kept head. */
  verified(st: StreamRow): bigint | undefined {
    if (st.key.origin === this.self) return settled(st) ? st.cursor : undefined;
    return st.signedHead?.seq;
  }

  /** The statement to send for `st`, carrying its origin's key; undefined when none. */
  statement(st: StreamRow): StreamHead | undefined {
    const originKey = this.key(st.origin) ?? new Uint8Array(0);
    if (st.key.origin !== this.self) {
      const h = st.signedHead;
      return h === undefined
        ? undefined
        : create(StreamHeadSchema, { seq: h.seq, signature: h.signature, originKey });
    }
    // Only a confirmed cursor is stated: unconfirmed seqs may still move (§3.7).
    if (this.sign === undefined || !settled(st) || st.cursor === undefined) return undefined;
    const cached = this.ownSigned.get(st.keyString);
    if (cached?.seq === st.cursor) return cached;
    const signature = this.sign(
      headSigningBytes(this.library, st.origin, st.key.resource, st.cursor),
    );
    const head = create(StreamHeadSchema, { seq: st.cursor, signature, originKey });
    this.ownSigned.set(st.keyString, head);
    return head;
  }
}
