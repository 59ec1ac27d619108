// The runner as a peer: a SyncService over h2c on 127.0.0.1 that serves
// scripted streams (it relays made-up origins' streams, and is the origin
// of its own), answers Reconcile like any responder, and records every
// request a client sends, for the scenarios to check.
import { randomBytes } from "node:crypto";
import { createServer, type Http2Server, type ServerHttp2Session } from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  type ChangeSigner,
  CODED_SYMBOLS_CAPABILITY,
  fingerprintOf,
  ReconcileResponder,
  ReconcileSet,
} from "@tidemark/engine";
import {
  AckStatus,
  type BackfillRequest,
  type BackfillResponse,
  BackfillResponseSchema,
  type Change,
  type CodedSymbolsRequest,
  CodedSymbolsSchema,
  ErrorReason,
  type ExchangeWatermarksRequest,
  type HelloRequest,
  MAX_CODED_SYMBOLS_PER_MESSAGE,
  type NotifyDataAvailableRequest,
  PageStatus,
  PROTOCOL_VERSION,
  ProtocolError,
  type PushChangesRequest,
  type ReconcileRange,
  ReconcileRangeSchema,
  type ReconcileRequest,
  type StreamBatch,
  StreamBatchSchema,
  type StreamHead,
  type StreamId,
  StreamIdSchema,
  type StreamWatermark,
  StreamWatermarkSchema,
  SyncService,
  validateRequestOf,
} from "@tidemark/protocol";
import { headStatement, newDeviceKey, signedChange } from "../signing.js";

export type Recorded = { readonly rpc: string; readonly at: number; readonly req: unknown };

/** A request the client sent that breaks the protocol's request rules. */
export type Malformed = {
  readonly rpc: string;
  readonly at: number;
  /** ErrorReason name, e.g. MISSING_FIELD. */
  readonly reason: string;
  readonly message: string;
};

/** How the runner misbehaves or reports on one stream (scenario knobs). */
export type HoldOptions = {
  /** Tombstones at or below it "pruned": reported, and Backfills below it are BELOW_HORIZON. */
  readonly horizon?: bigint;
  /** Report the stream as mid-pull. */
  readonly pulling?: boolean;
  /** The last page claims this complete_through (an over-claiming relay). */
  readonly overclaim?: bigint;
  /** The next Backfill of the stream fails (unavailable) after this many pages. */
  failAfterPages?: number | undefined;
  /** The next Backfill of the stream serves its second page first, then its first (out of order). */
  disorderOnce?: boolean | undefined;
  /** The first diff reply also offers this item (one the client holds at that seq): invalid. */
  offerOnce?: { readonly id: Uint8Array; readonly seq: bigint } | undefined;
  /** Reconcile answers as for a stream not held (no ranges, no cursor), though watermarks hold it. */
  reconcileNotHeld?: boolean;
  /**
   * The runner's own stream with unconfirmed changes (§3.7 rule 1): listed
   * with no cursor and `pulling`, every Backfill of it answered NOT_HELD.
   */
  readonly unconfirmed?: boolean;
  /** Every Backfill asking for the stream is refused with this code and ErrorDetail reason, until cleared. */
  refuse?: { readonly code: Code; readonly reason: number } | undefined;
  /**
   * How a symbols_request of the stream is answered (§7.9.4), honestly when
   * unset: "false-decode" sends the symbols of the stream's items plus
   * `extra` under the fingerprint of its real items (they decode to a
   * difference the fingerprint check refutes); "never-decode" sends
   * symbols that never peel.
   */
  readonly symbols?:
    | { readonly kind: "false-decode"; readonly extra: { id: Uint8Array; seq: bigint } }
    | { readonly kind: "never-decode" };
  /** A head statement (§16 SG-9) sent in the watermark and on the last page, as a relay would. */
  readonly head?: StreamHead;
  /** The stream moves to this state just before the second Reconcile call (mid-run). */
  moveBeforeSecondReconcile?: { readonly entries: Change[]; readonly cursor: bigint } | undefined;
};

type Held = {
  readonly stream: StreamId;
  entries: Change[];
  cursor: bigint;
  opts: HoldOptions;
  reconciles: number;
};

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const keyOf = (s: StreamId | undefined) =>
  s === undefined ? "" : `${hex(s.origin)}/${s.resource}`;

/** Most changes the scripted peer puts in one page, so every pull takes pages. */
export const SCRIPTED_PAGE = 2;

export class ScriptedPeer {
  /** One key per origin the runner plays (itself included): it signs their changes (§16). */
  private readonly keys = new Map<string, ChangeSigner>();
  readonly deviceId = this.newOrigin();
  readonly log: Recorded[] = [];
  /** Requests that broke the request rules (bounded), oldest first. */
  readonly malformed: Malformed[] = [];
  private readonly streams = new Map<string, Held>();
  private server: Http2Server | undefined;
  private readonly sessions = new Set<ServerHttp2Session>();
  port = 0;

  constructor(readonly library: Uint8Array) {}

  /** A fresh origin the runner plays: a new key, and the device id it derives. */
  newOrigin(): Uint8Array {
    const k = newDeviceKey();
    this.keys.set(hex(k.id), k.signer);
    return k.id;
  }

  /** The raw key of `stream`'s origin, when the runner plays it. */
  originKey(stream: StreamId): Uint8Array | undefined {
    return this.keys.get(hex(stream.origin))?.publicKey;
  }

  /** `changes` signed by `stream`'s origin (unchanged for an origin the runner does not play). */
  sign(stream: StreamId, changes: readonly Change[]): Change[] {
    const signer = this.keys.get(hex(stream.origin));
    if (signer === undefined) return [...changes];
    return changes.map((c) => signedChange(signer, this.library, stream, c));
  }

  /** A head statement that `stream` reached `seq`, signed by its origin (SG-9). */
  signedHead(stream: StreamId, seq: bigint): StreamHead {
    const signer = this.keys.get(hex(stream.origin));
    if (signer === undefined) throw new Error("the runner does not play this stream's origin");
    return headStatement(signer, signer.publicKey, this.library, stream, seq);
  }

  /**
   * A forged head of `stream` at `seq`: it carries the origin's key but is
   * signed by another (a relay inventing a head; SG-10: never believed).
   */
  forgedHead(stream: StreamId, seq: bigint): StreamHead {
    const signer = this.keys.get(hex(stream.origin));
    if (signer === undefined) throw new Error("the runner does not play this stream's origin");
    return headStatement(newDeviceKey().signer, signer.publicKey, this.library, stream, seq);
  }

  /** A StreamBatch the runner pushes as `stream`'s origin would: signed, with its key. */
  batch(stream: StreamId, changes: readonly Change[], prevSeq?: bigint): StreamBatch {
    const originKey = this.originKey(stream);
    return create(StreamBatchSchema, {
      stream,
      changes: this.sign(stream, changes),
      ...(prevSeq === undefined ? {} : { prevSeq }),
      ...(originKey === undefined ? {} : { originKey }),
    });
  }

  /** Holds `stream` as exactly these entries (latest version per row) at `cursor`. */
  hold(stream: StreamId, entries: Change[], cursor: bigint, opts: HoldOptions = {}): void {
    const sorted = this.sign(stream, entries).sort((a, b) => (a.seq < b.seq ? -1 : 1));
    const move = opts.moveBeforeSecondReconcile;
    this.streams.set(keyOf(stream), {
      stream,
      entries: sorted,
      cursor,
      opts: {
        ...opts,
        ...(move === undefined
          ? {}
          : { moveBeforeSecondReconcile: { ...move, entries: this.sign(stream, move.entries) } }),
      },
      reconciles: 0,
    });
  }

  /** Stops holding `stream`: no longer advertised, and served as not held. */
  drop(stream: StreamId): void {
    this.streams.delete(keyOf(stream));
  }

  watermark(stream: StreamId): StreamWatermark {
    const h = this.streams.get(keyOf(stream));
    const live = (h?.entries ?? []).filter((c) => c.body.case !== "tombstone");
    return create(StreamWatermarkSchema, {
      stream,
      ...(h === undefined || h.opts.unconfirmed === true ? {} : { cursor: h.cursor }),
      liveCount: BigInt(live.length),
      fingerprint: fingerprintOf(live.map((c) => ({ id: c.rowId, seq: c.seq }))),
      ...(h?.opts.horizon === undefined ? {} : { tombstoneHorizon: h.opts.horizon }),
      ...(h?.opts.head === undefined ? {} : { head: h.opts.head }),
      pulling: h?.opts.pulling === true || h?.opts.unconfirmed === true,
    });
  }

  /** Every stream the runner holds, as its watermarks (complete: an exchange replaces the client's view). */
  allWatermarks(): StreamWatermark[] {
    return [...this.streams.values()].map((h) => this.watermark(h.stream));
  }

  requests(rpc: string, since = 0): Recorded[] {
    return this.log.filter((r) => r.rpc === rpc && r.at >= since);
  }

  async start(port = 0): Promise<string> {
    const routes = (router: ConnectRouter) => router.service(SyncService, this.handlers());
    this.server = createServer(connectNodeAdapter({ routes }));
    this.server.on("session", (session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once("error", reject);
      this.server?.listen(port, "127.0.0.1", () => resolve());
    });
    const a = this.server.address();
    this.port = typeof a === "object" && a !== null ? a.port : 0;
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s === undefined) return;
    this.server = undefined;
    // The client keeps its HTTP/2 sessions to its peer open: close them too.
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const session of this.sessions) session.destroy();
    await closed;
  }

  private record(rpc: string, req: unknown): void {
    if (this.log.length < 10_000) this.log.push({ rpc, at: Date.now(), req });
  }

  /**
   * Records a request and holds it to the rules a peer enforces (PROTOCOL.md
   * §4–§9): a malformed one is refused as a peer would refuse it, and noted,
   * so the scenario it came in fails even when the client shrugs it off.
   */
  private receive(rpc: string, req: unknown): void {
    this.record(rpc, req);
    const result = validateRequestOf(req, { libraryId: this.library });
    if (result === undefined || result.ok) return;
    const { reason, rawMessage } = result.error;
    if (this.malformed.length < 100) {
      this.malformed.push({
        rpc,
        at: Date.now(),
        reason: ErrorReason[reason],
        message: rawMessage,
      });
    }
    throw result.error.toConnectError();
  }

  private handlers(): ServiceImpl<typeof SyncService> {
    const self = this;
    return {
      hello(req: HelloRequest) {
        self.receive("Hello", req);
        return {
          libraryId: self.library,
          deviceId: self.deviceId,
          protocolVersion: PROTOCOL_VERSION,
          capabilities: ["reconcile.v1", CODED_SYMBOLS_CAPABILITY],
          deviceName: "tidemark-conformance",
        };
      },
      exchangeWatermarks(req: ExchangeWatermarksRequest) {
        self.receive("ExchangeWatermarks", req);
        return { deviceId: self.deviceId, watermarks: self.allWatermarks() };
      },
      async *backfill(req: BackfillRequest) {
        self.receive("Backfill", req);
        const refused = req.streams
          .map((s) => self.streams.get(keyOf(s.stream))?.opts.refuse)
          .find((r) => r !== undefined);
        if (refused !== undefined)
          throw new ProtocolError(refused.reason as ErrorReason, "scripted refusal", {
            code: refused.code,
          }).toConnectError();
        const sorted = [...req.streams].sort(
          (a, b) => (a.stream?.resource ?? 0) - (b.stream?.resource ?? 0),
        );
        for (const s of sorted) yield* self.pages(s.stream ?? create(StreamIdSchema), s.afterSeq);
      },
      pushChanges(req: PushChangesRequest) {
        self.receive("PushChanges", req);
        return {
          acks: req.batches.map((b) => {
            const cursor = b.changes[b.changes.length - 1]?.seq;
            return {
              ...(b.stream === undefined ? {} : { stream: b.stream }),
              status: AckStatus.APPLIED,
              ...(cursor === undefined ? {} : { cursor }),
            };
          }),
        };
      },
      reconcile(req: ReconcileRequest) {
        self.receive("Reconcile", req);
        const h = self.streams.get(keyOf(req.stream));
        if (h === undefined || h.opts.reconcileNotHeld === true)
          return { ranges: [], changes: [], missingIds: req.wantIds };
        const move = h.opts.moveBeforeSecondReconcile;
        if (++h.reconciles === 2 && move !== undefined) {
          h.entries = [...move.entries].sort((a, b) => (a.seq < b.seq ? -1 : 1));
          h.cursor = move.cursor;
          h.opts.moveBeforeSecondReconcile = undefined;
        }
        const items = h.entries
          .map((c) => ({ id: c.rowId, seq: c.seq }))
          .sort((a, b) => Buffer.compare(a.id, b.id));
        let ranges =
          req.ranges.length === 0
            ? []
            : (bentSymbols(items, req.ranges, h.opts.symbols) ??
              new ReconcileResponder(new ReconcileSet(items)).reconcile(req.ranges));
        const offer = h.opts.offerOnce;
        if (offer !== undefined && ranges.some((r) => r.payload.case === "items")) {
          h.opts.offerOnce = undefined;
          ranges = ranges.map((r) => (r.payload.case === "items" ? withOffer(r, offer) : r));
        }
        const want = new Set(req.wantIds.map(hex));
        const changes = h.entries
          .filter((c) => want.has(hex(c.rowId)))
          .sort((a, b) => Buffer.compare(a.rowId, b.rowId));
        const held = new Set(changes.map((c) => hex(c.rowId)));
        const missingIds = [...want]
          .filter((w) => !held.has(w))
          .map((w) => new Uint8Array(Buffer.from(w, "hex")));
        const originKey = changes.length > 0 ? self.originKey(h.stream) : undefined;
        return {
          ranges,
          changes,
          missingIds,
          cursor: h.cursor,
          ...(originKey === undefined ? {} : { originKey }),
        };
      },
      notifyDataAvailable(req: NotifyDataAvailableRequest) {
        self.receive("NotifyDataAvailable", req);
        return {};
      },
    };
  }

  private *pages(stream: StreamId, afterSeq: bigint | undefined): Generator<BackfillResponse> {
    const h = this.streams.get(keyOf(stream));
    if (h === undefined || h.opts.unconfirmed === true) {
      yield create(BackfillResponseSchema, {
        stream,
        status: PageStatus.NOT_HELD,
        streamDone: true,
      });
      return;
    }
    const { horizon, overclaim } = h.opts;
    if (afterSeq !== undefined && horizon !== undefined && afterSeq < horizon) {
      yield create(BackfillResponseSchema, {
        stream,
        status: PageStatus.BELOW_HORIZON,
        tombstoneHorizon: horizon,
        streamDone: true,
      });
      return;
    }
    const from = afterSeq ?? 0n;
    const rest = h.entries.filter((c) => c.seq > from && c.seq <= h.cursor);
    if (h.opts.disorderOnce === true && rest.length > SCRIPTED_PAGE) {
      h.opts.disorderOnce = undefined;
      yield* this.disordered(stream, rest);
      return;
    }
    for (let i = 0; i < rest.length || i === 0; i += SCRIPTED_PAGE) {
      const changes = rest.slice(i, i + SCRIPTED_PAGE);
      const last = i + SCRIPTED_PAGE >= rest.length;
      if (h.opts.failAfterPages !== undefined && i / SCRIPTED_PAGE >= h.opts.failAfterPages) {
        h.opts.failAfterPages = undefined;
        throw new ConnectError("scripted failure mid-Backfill", Code.Unavailable);
      }
      const head = h.cursor > from ? h.cursor : from;
      const through = last ? (overclaim ?? head) : (changes[changes.length - 1] as Change).seq;
      const originKey = changes.length > 0 ? this.originKey(stream) : undefined;
      yield create(BackfillResponseSchema, {
        stream,
        status: PageStatus.OK,
        changes,
        ...(originKey === undefined ? {} : { originKey }),
        completeThrough: through,
        streamDone: last,
        ...(last && h.opts.head !== undefined ? { head: h.opts.head } : {}),
      });
      if (last) return;
    }
  }

  /** The second page, then the first: a page whose seqs fall below what the call delivered. */
  private *disordered(stream: StreamId, rest: readonly Change[]): Generator<BackfillResponse> {
    const originKey = this.originKey(stream);
    const page = (changes: Change[]) =>
      create(BackfillResponseSchema, {
        stream,
        status: PageStatus.OK,
        changes,
        ...(originKey === undefined ? {} : { originKey }),
        completeThrough: (changes[changes.length - 1] as Change).seq,
        streamDone: false,
      });
    yield page(rest.slice(SCRIPTED_PAGE, 2 * SCRIPTED_PAGE));
    yield page(rest.slice(0, SCRIPTED_PAGE));
  }
}

/** `range`'s item list with one more (id, seq), kept ascending by id. */
function withOffer(range: ReconcileRange, offer: { id: Uint8Array; seq: bigint }): ReconcileRange {
  if (range.payload.case !== "items") return range;
  const list = range.payload.value;
  const pairs: [Uint8Array, bigint][] = [];
  for (let i = 0; i < list.seqs.length; i++)
    pairs.push([list.ids.subarray(i * 16, i * 16 + 16), list.seqs[i] as bigint]);
  pairs.push([offer.id, offer.seq]);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  return create(ReconcileRangeSchema, {
    upperBound: range.upperBound,
    payload: {
      case: "items",
      value: {
        ids: new Uint8Array(Buffer.concat(pairs.map((p) => p[0]))),
        seqs: pairs.map((p) => p[1]),
        neededIds: list.neededIds,
      },
    },
  });
}

type Item = { readonly id: Uint8Array; readonly seq: bigint };

/**
 * The answer to a request of one symbols_request range, bent as `how`
 * says; undefined for any other request or when `how` is unset (honest).
 */
function bentSymbols(
  items: readonly Item[],
  request: readonly ReconcileRange[],
  how: HoldOptions["symbols"],
): ReconcileRange[] | undefined {
  const only = request[0];
  if (how === undefined || request.length !== 1 || only?.payload.case !== "symbolsRequest")
    return undefined;
  const q = only.payload.value;
  const real = new ReconcileSet(items).fingerprint(0, items.length);
  if (how.kind === "false-decode") {
    const forged = [...items, how.extra].sort((a, b) => Buffer.compare(a.id, b.id));
    const out = new ReconcileResponder(new ReconcileSet(forged)).reconcile(request);
    return out.map((r) =>
      r.payload.case === "symbols"
        ? create(ReconcileRangeSchema, {
            upperBound: r.upperBound,
            payload: {
              case: "symbols",
              value: create(CodedSymbolsSchema, { ...r.payload.value, fingerprint: real }),
            },
          })
        : r,
    );
  }
  return [noisySymbols(q, items.length, real, only.upperBound)];
}

/** Symbols that never peel: random sums, counts no difference makes ±1 with a matching checksum. */
function noisySymbols(
  q: CodedSymbolsRequest,
  held: number,
  fingerprint: Uint8Array,
  upperBound: Uint8Array,
): ReconcileRange {
  const n = Math.min(q.count > 0 ? q.count : 256, MAX_CODED_SYMBOLS_PER_MESSAGE);
  const counts = Array.from({ length: n }, (_, k) =>
    q.start === 0n && k === 0 ? BigInt(held) : 5n,
  );
  const seqSums = Array.from({ length: n }, () => randomBytes(8).readBigUInt64BE());
  return create(ReconcileRangeSchema, {
    upperBound,
    payload: {
      case: "symbols",
      value: create(CodedSymbolsSchema, {
        start: q.start,
        counts,
        sums: new Uint8Array(randomBytes(24 * n)),
        seqSums,
        fingerprint,
      }),
    },
  });
}
