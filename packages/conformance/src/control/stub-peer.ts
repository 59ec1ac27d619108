// A stand-in for one of the target's paired peers (a case's @me or @me2):
// it answers Hello as that device and refuses every other call as
// unavailable, so the target knows the peer but never hears its
// watermarks (PROTOCOL.md §3.4: its own writes stay unconfirmed) until the
// case lets it answer ExchangeWatermarks (with the watermarks it gives).
// It records the target's calls, so a case can check what the target asks.
// Echoing, it claims to hold exactly what the target holds (the target's
// own watermarks back, not pulling), with a case's entries merged over
// them: a peer that acknowledges everything but what the case says.
// Holding streams (rows a case read from the target before a restore, or
// none with a claimed complete_through), it serves their Backfill and,
// echoing, reports them as held at their last seq.
// Against a mutual-TLS target it serves TLS with its device's certificate
// (the target pins that id), and it can turn into a device of another
// library: every call refused with LIBRARY_MISMATCH (PROTOCOL.md AU-7).
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type ServerHttp2Session,
} from "node:http2";
import { create, fromJson, type JsonObject, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { fingerprintOf } from "@tidemark/engine";
import {
  BackfillResponseSchema,
  type BackfillStream,
  type Change,
  ErrorReason,
  PageStatus,
  PROTOCOL_VERSION,
  ProtocolError,
  type StreamHead,
  type StreamId,
  type StreamWatermark,
  StreamWatermarkSchema,
  SyncService,
} from "@tidemark/protocol";

/** A stream the stub holds: these changes (ascending seq), served as complete through `completeThrough`. */
export type HeldStream = {
  readonly stream: StreamId;
  readonly changes: readonly Change[];
  /** Default: the last change's seq. */
  readonly completeThrough?: bigint;
  /** Sent on the stream's last page and in its watermark. */
  readonly head?: StreamHead;
  /** The origin's raw public key, sent on a page with changes. */
  readonly originKey?: Uint8Array;
};

/** The certificate and key (PEM) a stub serves TLS with: its device's. */
export type StubTls = { readonly cert: string; readonly key: string };

export class StubPeer {
  private server: Http2Server | Http2SecureServer | undefined;
  private readonly sessions = new Set<ServerHttp2Session>();
  /** Answer ExchangeWatermarks with these watermarks instead of refusing it. */
  watermarks: StreamWatermark[] | undefined;
  /** Answer with the target's own watermarks (not pulling), these (protobuf JSON) merged over them. */
  echo: JsonObject[] | undefined;
  /** Streams served by Backfill (any other is NOT_HELD). */
  holds: HeldStream[] = [];
  /** Every call the target made, in order (ms since epoch). */
  readonly calls: { readonly rpc: string; readonly at: number }[] = [];
  /** Refuse every call (Hello too) as a paired device of another library. */
  otherLibrary = false;

  constructor(
    readonly deviceId: Uint8Array,
    readonly library: Uint8Array,
    private readonly tls?: StubTls,
  ) {}

  /** Throws LIBRARY_MISMATCH (the call recorded) while the stub plays another library's device. */
  private refuseIfOtherLibrary(rpc: string): void {
    if (!this.otherLibrary) return;
    this.calls.push({ rpc, at: Date.now() });
    throw new ProtocolError(
      ErrorReason.LIBRARY_MISMATCH,
      "conformance stub peer: this device holds another library",
    ).toConnectError();
  }

  async start(): Promise<string> {
    const away = (rpc: string) => () => {
      this.refuseIfOtherLibrary(rpc);
      this.calls.push({ rpc, at: Date.now() });
      throw new ConnectError("conformance stub peer: only Hello is served", Code.Unavailable);
    };
    const routes = (router: ConnectRouter) =>
      router.service(SyncService, {
        hello: () => {
          this.refuseIfOtherLibrary("Hello");
          this.calls.push({ rpc: "Hello", at: Date.now() });
          return {
            libraryId: this.library,
            deviceId: this.deviceId,
            protocolVersion: PROTOCOL_VERSION,
            capabilities: [],
            deviceName: "conformance stub",
          };
        },
        exchangeWatermarks: (req) => {
          this.refuseIfOtherLibrary("ExchangeWatermarks");
          if (this.watermarks === undefined && this.echo === undefined)
            return away("ExchangeWatermarks")();
          this.calls.push({ rpc: "ExchangeWatermarks", at: Date.now() });
          const watermarks =
            this.echo === undefined
              ? (this.watermarks ?? [])
              : echoed([...req.watermarks, ...this.holds.map(heldWatermark)], this.echo);
          return { deviceId: this.deviceId, watermarks };
        },
        backfill: (req) => {
          this.refuseIfOtherLibrary("Backfill");
          if (this.holds.length === 0) return away("Backfill")();
          this.calls.push({ rpc: "Backfill", at: Date.now() });
          return pages(req.streams, this.holds);
        },
        pushChanges: away("PushChanges"),
        reconcile: away("Reconcile"),
        notifyDataAvailable: away("NotifyDataAvailable"),
      });
    const handler = connectNodeAdapter({ routes });
    const server =
      this.tls === undefined
        ? createServer(handler)
        : createSecureServer(
            {
              cert: this.tls.cert,
              key: this.tls.key,
              // As PROTOCOL.md TI-6/TI-7: TLS 1.3, h2, a client certificate asked, no CA.
              minVersion: "TLSv1.3",
              maxVersion: "TLSv1.3",
              ALPNProtocols: ["h2"],
              requestCert: true,
              rejectUnauthorized: false,
            },
            handler,
          );
    this.server = server;
    server.on("session", (s: ServerHttp2Session) => {
      this.sessions.add(s);
      s.once("close", () => this.sessions.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const a = server.address();
    const scheme = this.tls === undefined ? "http" : "https";
    return `${scheme}://127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s === undefined) return;
    this.server = undefined;
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

const keyOf = (s: StreamId | undefined) =>
  `${Buffer.from(s?.origin ?? []).toString("hex")}/${s?.resource ?? 0}`;

/** One page per stream asked: a held one's changes after `after_seq`, else NOT_HELD. */
async function* pages(asked: readonly BackfillStream[], holds: readonly HeldStream[]) {
  for (const a of asked) {
    const held = holds.find((h) => keyOf(h.stream) === keyOf(a.stream));
    const stream = a.stream;
    if (held === undefined) {
      yield create(BackfillResponseSchema, {
        ...(stream === undefined ? {} : { stream }),
        status: PageStatus.NOT_HELD,
        streamDone: true,
      });
      continue;
    }
    const after = a.afterSeq ?? 0n;
    const changes = held.changes.filter((c) => c.seq > after);
    yield create(BackfillResponseSchema, {
      stream: held.stream,
      status: PageStatus.OK,
      changes,
      ...(held.originKey === undefined || changes.length === 0
        ? {}
        : { originKey: held.originKey }),
      completeThrough: through(held),
      streamDone: true,
      ...(held.head === undefined ? {} : { head: held.head }),
    });
  }
}

function through(h: HeldStream): bigint {
  return h.completeThrough ?? h.changes.at(-1)?.seq ?? 0n;
}

/** A held stream's watermark: cursor at its last seq, fingerprint over its live rows. */
function heldWatermark(h: HeldStream): StreamWatermark {
  const live = h.changes.filter((c) => c.body.case !== "tombstone");
  return create(StreamWatermarkSchema, {
    stream: h.stream,
    cursor: through(h),
    liveCount: BigInt(live.length),
    fingerprint: fingerprintOf(live.map((c) => ({ id: c.rowId, seq: c.seq }))),
    ...(h.head === undefined ? {} : { head: h.head }),
  });
}

/** `theirs` as held here (not pulling), each entry of `over` merged over the same stream's. */
function echoed(
  theirs: readonly StreamWatermark[],
  over: readonly JsonObject[],
): StreamWatermark[] {
  const key = (w: JsonObject) => {
    const s = (w.stream ?? {}) as JsonObject;
    return `${String(s.origin)}/${String(s.resource)}`;
  };
  const out = new Map<string, JsonObject>();
  for (const w of theirs) {
    const json = toJson(StreamWatermarkSchema, w) as JsonObject;
    delete json.pulling;
    out.set(key(json), json);
  }
  for (const o of over) out.set(key(o), { ...(out.get(key(o)) ?? {}), ...o });
  return [...out.values()].map((w) => fromJson(StreamWatermarkSchema, w));
}
