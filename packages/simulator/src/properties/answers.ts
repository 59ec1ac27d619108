// honest-answers: every answer an honest replica sends keeps the protocol's
// rules for the request it answers, judged on the wire. A caller that gets
// a bad answer rejects it and retries elsewhere (or a pull clamps an
// over-claim, BF-8), so a replica answering badly still converges: only a
// check of the answers themselves sees it.
// - Each Backfill page, PushChanges response and Reconcile response passes
//   the protocol's own validator against its request (BF-5/11/12/15/16/17,
//   PC-7, §7): page size and order, complete_through never below what the
//   call delivered, acks matching their batches, wanted ids answered once.
// - Across a Backfill call (§5.2): no page of a stream after its
//   stream_done page [BF-3], every requested stream answered when the call
//   ends [BF-3], streams in ascending resource [BF-1], an OK page with more
//   to come carries a change [BF-6], a NOT_HELD or BELOW_HORIZON page is
//   the stream's only one (a stream no longer served mid-call fails the
//   call instead, BF-18, BF-20). A page carries each row at most once: a
//   stream serves each row's latest version (§3.6), never an older one
//   beside it (a relay's table row beside its newer held version).
// - An honest responder never over-claims [BF-8]: an OK page's
//   complete_through is at most the larger of the request's after_seq, the
//   highest seq the call delivered for the stream and the responder's
//   tombstone horizon (the entry at its cursor is always served unless
//   pruned). Judged after the instant, against the horizon then (it only
//   grows); streams a fault damaged on the responder are exempt.
// full-pages (work, not correctness): a page with more to come is cut
// only by the request's limits. One below the change limit must be cut by
// bytes: its changes and the stream's next change (the first of its next
// page in the call) would exceed the byte budget, each counted with 5 bytes
// of framing (tag and length varint, the most a responder may reserve);
// and its next page carries a change. A responder cutting pages short still
// converges, with more round trips on every pull.
// - A push carrying a forged change (the forger's, faults/forger.ts) is
//   refused with an error response, never acked DROPPED [AU-6]: the pusher
//   must learn it was refused, not that a buffer was full. (HELD or GAP may
//   answer it, judged when applied; APPLIED, when its seq was a duplicate.)
// - No call is answered with an internal error (`internal`, `unknown`): a
//   responder's failure that the protocol names none for is a fault of
//   its own, whatever the caller then does.
// - No push fails as a whole for a change too far ahead (§12): its batch
//   is acked DROPPED and the other batches are handled as usual.
// Liars (and calls a liar answered in part) are not judged.

import { toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { idToHex, streamKeyString } from "@tidemark/engine";
import {
  AckStatus,
  type BackfillRequest,
  type BackfillResponse,
  ChangeSchema,
  DEFAULT_CHANGES_PER_PAGE,
  DEFAULT_PAGE_BYTES,
  ErrorReason,
  MAX_CHANGES_PER_PAGE,
  MAX_PAGE_BYTES,
  PageStatus,
  ProtocolError,
  type PushChangesRequest,
  type PushChangesResponse,
  type ReconcileRequest,
  type ReconcileResponse,
  validateBackfillResponse,
  validatePushChangesResponse,
  validateReconcileResponse,
} from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { SimNode } from "../node.js";
import type { PropertyFailure } from "./property.js";
import { shortKey, wireStreamKey } from "./short-key.js";

/** A page with more to come below the change limit, judged by the stream's next page. */
type ShortPage = { readonly changes: number; readonly bytes: number; readonly what: string };
type StreamCall = {
  readonly afterSeq: bigint | undefined;
  delivered?: bigint;
  done: boolean;
  /** The call already sent a page of this stream. */
  paged?: boolean;
  short?: ShortPage | undefined;
};
type BackfillCall = {
  readonly req: BackfillRequest;
  readonly streams: Map<string, StreamCall>;
  lastResource: number;
  liar: boolean;
  /** The request reached the responder twice (the simulated network duplicates): two servings share the call. */
  twice: boolean;
  delivered: number;
  ended: number;
};
type Claim = { responder: number; stream: string; through: bigint; bound: bigint; what: string };

/** Framing a responder may count per change against the byte budget (tag + a 4-byte varint). */
const MAX_FRAMING = 5;

/** A row id a page carries more than once, if any. */
function rowTwice(page: BackfillResponse): string | undefined {
  const seen = new Set<string>();
  for (const c of page.changes) {
    const id = idToHex(c.rowId);
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

/** A change's bytes against a page budget, framing counted at its most. */
const framed = (c: BackfillResponse["changes"][number]) =>
  toBinary(ChangeSchema, c).length + MAX_FRAMING;

/** Open calls kept per kind: a call whose request or answer was lost never closes. */
const MAX_OPEN_CALLS = 2_048;

/** Forgets the oldest open call past the bound (it is then not judged). */
function bounded(open: Map<number, unknown>): void {
  if (open.size <= MAX_OPEN_CALLS) return;
  const oldest = open.keys().next();
  if (oldest.done !== true) open.delete(oldest.value);
}

export class AnswerTracker {
  private readonly backfills = new Map<number, BackfillCall>();
  private readonly pushes = new Map<number, PushChangesRequest>();
  private readonly reconciles = new Map<number, ReconcileRequest>();
  private claims: Claim[] = [];
  private readonly broken: string[] = [];
  private readonly shortPages: string[] = [];
  /** Forged changes pushed: `from>to:rowId`. */
  private readonly forged = new Set<string>();

  /** `lying(i)`: device i answers with a lie now (its answers are not judged). */
  constructor(
    private readonly lying: (device: number) => boolean,
    private readonly tainted: (device: number, stream: string) => boolean,
  ) {}

  /** The forger pushes `rowId` from `from` to `to` (its answer is judged by AU-6). */
  forgedPush(from: number, to: number, rowId: string): void {
    this.forged.add(`${from}>${to}:${rowId}`);
  }

  /** The network tap: every message as it is sent. */
  observe(m: TapInfo, now: number): void {
    if (m.part === "req") {
      if (m.rpc === "Backfill") this.openBackfill(m);
      else if (m.rpc === "PushChanges") this.pushes.set(m.call, m.message() as PushChangesRequest);
      else if (m.rpc === "Reconcile") this.reconciles.set(m.call, m.message() as ReconcileRequest);
      for (const open of [this.backfills, this.pushes, this.reconciles]) bounded(open);
      return;
    }
    const at = `d${m.from} to d${m.to} at ${Math.round(now)} ms`;
    if (m.part === "err") this.errorAnswer(m, at);
    if (m.rpc === "Backfill") this.backfillPart(m, at);
    else if (m.rpc === "PushChanges") this.pushAnswer(m, at);
    else if (m.rpc === "Reconcile") this.reconcileAnswer(m, at);
  }

  private openBackfill(m: TapInfo): void {
    const req = m.message() as BackfillRequest;
    const streams = new Map<string, StreamCall>();
    for (const s of req.streams)
      if (s.stream !== undefined)
        streams.set(wireStreamKey(s.stream), { afterSeq: s.afterSeq, done: false });
    this.backfills.set(m.call, {
      req,
      streams,
      lastResource: -1,
      liar: this.lying(m.to),
      twice: false,
      delivered: 0,
      ended: 0,
    });
  }

  /** A message delivered: a Backfill request that arrives twice is served twice. */
  delivered(m: Delivered): void {
    if (m.rpc !== "Backfill" || m.part !== "req") return;
    const call = this.backfills.get(m.call);
    if (call === undefined) return;
    call.delivered++;
    call.twice = call.delivered > 1;
  }

  private backfillPart(m: TapInfo, at: string): void {
    const call = this.backfills.get(m.call);
    if (call === undefined) return;
    call.liar ||= this.lying(m.from);
    if (m.part !== "page") {
      call.ended++;
      if (call.ended >= call.delivered) this.backfills.delete(m.call);
      if (m.part !== "end" || call.liar || call.twice) return;
      const open = [...call.streams].filter(([, s]) => !s.done).map(([k]) => shortKey(k));
      if (open.length > 0)
        this.fail(`Backfill ${at} ended with stream(s) ${open.join(", ")} unanswered (BF-3)`);
      return;
    }
    if (call.liar) return;
    const broken = this.pageBreaks(m, call, m.message() as BackfillResponse, at);
    if (broken !== undefined) this.fail(broken);
  }

  /** The rule this page breaks, if any; notes what it delivered and claimed. */
  private pageBreaks(
    m: TapInfo,
    call: BackfillCall,
    page: BackfillResponse,
    at: string,
  ): string | undefined {
    const key = page.stream === undefined ? undefined : wireStreamKey(page.stream);
    const s = key === undefined ? undefined : call.streams.get(key);
    // Two servings of one request interleave: each page is judged alone.
    const valid = validateBackfillResponse(page, {
      request: call.req,
      previousCursor: () => (call.twice ? undefined : s?.delivered),
    });
    if (!valid.ok) return `Backfill page ${at}: ${valid.error.message}`;
    if (key === undefined || s === undefined || page.stream === undefined) return undefined;
    const what = `Backfill page of ${shortKey(key)} ${at}`;
    const twice = rowTwice(page);
    if (twice !== undefined)
      return `${what} carries row ${twice} twice (§3.6: its latest version only)`;
    if (call.twice) return this.noteClaim(m, s, key, page, what);
    if (s.done) return `${what} after its stream_done page (BF-3)`;
    if (page.stream.resource < call.lastResource)
      return `${what}: resource ${page.stream.resource} after ${call.lastResource} (BF-1)`;
    call.lastResource = page.stream.resource;
    s.done = page.streamDone;
    const paged = s.paged === true;
    s.paged = true;
    if (page.status !== PageStatus.OK)
      return paged
        ? `${what}: ${PageStatus[page.status]} after the stream's earlier pages (§5.2: such a page is the stream's only one; a stream no longer served fails the call, BF-18, BF-20)`
        : undefined;
    if (!page.streamDone && page.changes.length === 0)
      return `${what}: more to come but no change (BF-6)`;
    if (!this.tainted(m.from, key)) this.judgeFullness(call.req, s, page, what);
    return this.noteClaim(m, s, key, page, what);
  }

  /** full-pages: the previous short page of the stream against this one; notes this one if short. */
  private judgeFullness(
    req: BackfillRequest,
    s: StreamCall,
    page: BackfillResponse,
    what: string,
  ): void {
    const budget = Math.min(req.maxPageBytes || DEFAULT_PAGE_BYTES, MAX_PAGE_BYTES);
    const prev = s.short;
    s.short = undefined;
    if (prev !== undefined) {
      const next = page.changes[0];
      if (next === undefined)
        this.shortPages.push(`${prev.what} said more was to come, and the next page had none`);
      else if (prev.bytes + framed(next) <= budget)
        this.shortPages.push(
          `${prev.what}: ${prev.changes} change(s), ${prev.bytes} bytes with framing, cut short: the next change (${framed(next)} bytes) fits the ${budget}-byte budget`,
        );
    }
    const maxChanges = Math.min(
      req.maxChangesPerPage || DEFAULT_CHANGES_PER_PAGE,
      MAX_CHANGES_PER_PAGE,
    );
    if (page.streamDone || page.changes.length >= maxChanges) return;
    const bytes = page.changes.reduce((n, c) => n + framed(c), 0);
    s.short = { changes: page.changes.length, bytes, what };
  }

  /** Notes what an OK page delivered; a complete_through past it is judged after the instant. */
  private noteClaim(
    m: TapInfo,
    s: StreamCall,
    key: string,
    page: BackfillResponse,
    what: string,
  ): undefined {
    if (page.status !== PageStatus.OK) return undefined;
    const last = page.changes.at(-1)?.seq;
    if (last !== undefined && (s.delivered === undefined || last > s.delivered)) s.delivered = last;
    const through = page.completeThrough ?? 0n;
    const bound = [s.afterSeq, s.delivered].reduce<bigint>(
      (a, b) => (b !== undefined && b > a ? b : a),
      0n,
    );
    if (through > bound) this.claims.push({ responder: m.from, stream: key, through, bound, what });
    return undefined;
  }

  private pushAnswer(m: TapInfo, at: string): void {
    const request = this.pushes.get(m.call);
    this.pushes.delete(m.call);
    if (request === undefined || m.part !== "res") return;
    const response = m.message() as PushChangesResponse;
    const valid = validatePushChangesResponse(response, { request });
    if (!valid.ok) this.fail(`PushChanges response ${at}: ${valid.error.message}`);
    // The request went m.to -> m.from; its answer comes back.
    const forged = request.batches.findIndex((b) =>
      b.changes.some((c) => this.forged.has(`${m.to}>${m.from}:${idToHex(c.rowId)}`)),
    );
    if (forged >= 0 && response.acks[forged]?.status === AckStatus.DROPPED)
      this.fail(
        `PushChanges response ${at}: a forged batch acked DROPPED, not refused with an error (AU-6)`,
      );
  }

  private errorAnswer(m: TapInfo, at: string): void {
    const err = m.message();
    if (this.lying(m.from) || !(err instanceof ConnectError)) return;
    if (err.code === Code.Internal || err.code === Code.Unknown)
      this.fail(`${m.rpc} ${at}: answered with an internal error: ${err.rawMessage.slice(0, 200)}`);
    // §12: a batch refused by the clock rule is acked DROPPED; the request does not fail.
    if (
      m.rpc === "PushChanges" &&
      ProtocolError.fromConnectError(err).reason === ErrorReason.HLC_TOO_FAR_AHEAD
    )
      this.fail(
        `PushChanges ${at}: a change too far ahead failed the whole push, not acked DROPPED (§12)`,
      );
  }

  private reconcileAnswer(m: TapInfo, at: string): void {
    const request = this.reconciles.get(m.call);
    this.reconciles.delete(m.call);
    if (request === undefined || m.part !== "res" || this.lying(m.from)) return;
    const valid = validateReconcileResponse(m.message() as ReconcileResponse, { request });
    if (!valid.ok) this.fail(`Reconcile response ${at}: ${valid.error.message}`);
  }

  /**
   * After an instant: complete_through claims past what the call delivered
   * are judged against the responder's tombstone horizon (a pruned top).
   */
  async settle(nodes: readonly SimNode[]): Promise<void> {
    if (this.claims.length === 0) return;
    const claims = this.claims;
    this.claims = [];
    for (const c of claims) {
      const replica = nodes[c.responder]?.alive ? nodes[c.responder]?.replica : undefined;
      if (replica === undefined || this.tainted(c.responder, c.stream)) continue;
      const w = (await replica.probe.watermarks()).find(
        (x) => streamKeyString(x.stream) === c.stream,
      );
      const horizon = w?.tombstoneHorizon ?? 0n;
      if (c.through > horizon)
        this.fail(
          `${c.what}: complete_through ${c.through} past what the call delivered (${c.bound}) and the responder's horizon (${horizon}) (BF-8)`,
        );
    }
  }

  private fail(detail: string): void {
    this.broken.push(detail);
  }

  /** The first broken rule seen, once (the run stops at a safety failure); then full-pages. */
  take(): PropertyFailure | undefined {
    const first = this.broken[0];
    if (first !== undefined)
      return {
        property: "honest-answers",
        detail: `${this.broken.length} answer(s) broke the protocol's rules: ${first}`,
      };
    const short = this.shortPages[0];
    if (short === undefined) return undefined;
    return {
      property: "full-pages",
      detail: `${this.shortPages.length} Backfill page(s) cut short of the request's limits: ${short}`,
    };
  }
}
