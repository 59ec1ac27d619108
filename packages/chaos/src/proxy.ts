// The fault-injecting HTTP/2 proxy every peer-to-peer call goes through.
// One cleartext (h2c) listener per directed link: peer c reaches peer s at
// the listener for c->s, so the proxy knows both ends of every call without
// reading it. Each call is forwarded as its own HTTP/2 stream; the link
// table decides per call and per chunk: delay (latency, jitter, reorder
// window), cut (partition, drop; before the request for c->s, before the
// response for s->c), slow response chunks, a reset mid-Backfill. Every
// call is recorded with its outcome.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { AnswerReader } from "./answer-check.js";
import { BackfillTraps } from "./backfill-trap.js";
import type { CallError } from "./call-error.js";
import type { LinkTable } from "./link-faults.js";
import type { Recorder } from "./recorder.js";
import { RequestCheck } from "./request-check.js";

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_INTERNAL_ERROR } = http2.constants;

/** Hop-by-hop headers HTTP/2 forbids forwarding. */
const HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
]);

function forwardable(h: http2.IncomingHttpHeaders, keepPseudo: readonly string[]) {
  const out: http2.OutgoingHttpHeaders = {};
  for (const k of Object.keys(h)) {
    if (HOP.has(k)) continue;
    if (k.startsWith(":") && !keepPseudo.includes(k)) continue;
    out[k] = h[k];
  }
  return out;
}

const sleep = (ms: number) =>
  ms <= 0 ? Promise.resolve() : new Promise<void>((r) => setTimeout(r, ms));

/** An in-flight call, as the runner sees it (to kill a peer mid-Backfill). */
export type InFlight = {
  readonly id: number;
  readonly from: number;
  readonly to: number;
  readonly rpc: string;
  chunks: number;
};

export type ProxyOptions = {
  readonly peers: number;
  readonly links: LinkTable;
  readonly recorder: Recorder;
  /** The port peer s serves SyncService on now. */
  readonly targetPort: (s: number) => number;
  /** The run's library: with it, each request forwarded is checked against the message rules. */
  readonly libraryId?: Uint8Array;
};

export class FaultProxy {
  private readonly servers: http2.Http2Server[] = [];
  private readonly downstream = new Set<http2.ServerHttp2Session>();
  private readonly upstream = new Map<number, http2.ClientHttp2Session>();
  private readonly ports = new Map<string, number>();
  readonly inflight = new Map<number, InFlight>();
  /** Backfills held mid-stream for the runner (kill-mid-backfill). */
  readonly backfillTraps = new BackfillTraps();
  /** Per link, the arrival number of the latest call forwarded (reordering shows against it). */
  private readonly lastForwarded = new Map<string, number>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly opts: ProxyOptions) {}

  /** Listens on 127.0.0.1 for every directed link. */
  async start(): Promise<void> {
    for (let c = 0; c < this.opts.peers; c++) {
      for (let s = 0; s < this.opts.peers; s++) {
        if (c !== s) this.ports.set(`${c}>${s}`, await this.listen(c, s));
      }
    }
  }

  /** The URL peer c uses to reach peer s. */
  urlFor(c: number, s: number): string {
    const port = this.ports.get(`${c}>${s}`);
    if (port === undefined) throw new RangeError(`no link ${c}->${s}`);
    return `http://127.0.0.1:${port}`;
  }

  /** Forgets connections to a peer that died (its next incarnation gets new ones). */
  dropUpstream(s: number): void {
    this.upstream.get(s)?.destroy();
    this.upstream.delete(s);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.downstream) s.destroy();
    for (const s of this.upstream.values()) s.destroy();
    await Promise.all(
      this.servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))),
    );
  }

  private listen(c: number, s: number): Promise<number> {
    const server = http2.createServer();
    server.on("session", (session) => {
      this.downstream.add(session);
      session.once("close", () => this.downstream.delete(session));
      session.on("error", () => undefined);
    });
    server.on("stream", (stream, headers) => {
      stream.on("error", () => undefined);
      void this.forward(c, s, stream, headers);
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
  }

  private session(s: number): http2.ClientHttp2Session {
    const known = this.upstream.get(s);
    if (known !== undefined && !known.closed && !known.destroyed) return known;
    const session = http2.connect(`http://127.0.0.1:${this.opts.targetPort(s)}`);
    session.on("error", () => undefined);
    const forget = () => {
      if (this.upstream.get(s) === session) this.upstream.delete(s);
    };
    session.once("close", forget);
    session.once("goaway", forget);
    this.upstream.set(s, session);
    return session;
  }

  private async forward(
    c: number,
    s: number,
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
  ): Promise<void> {
    const { links, recorder } = this.opts;
    const id = ++this.nextId;
    const t = recorder.now();
    const rpc =
      String(headers[":path"] ?? "")
        .split("/")
        .pop() ?? "";
    const call: InFlight = { id, from: c, to: s, rpc, chunks: 0 };
    this.inflight.set(id, call);
    let bytes = 0;
    let overtaken = false;
    const { libraryId } = this.opts;
    const request =
      libraryId === undefined ? undefined : new RequestCheck(rpc, headers, { libraryId });
    let requestEnded = false;
    let answer: AnswerReader | undefined;
    const done = (k: "send" | "drop", outcome: string, error?: CallError) => {
      // Judged only whole: a call cut short is the fault's doing, not a peer's.
      const judged = k === "send" && requestEnded && request?.readable === true;
      const bad = judged ? request?.verdict() : undefined;
      const badAnswer = k === "send" ? answer?.verdict() : undefined;
      this.inflight.delete(id);
      recorder.emit(
        k,
        {
          from: c,
          to: s,
          rpc,
          at: recorder.now(),
          part: outcome,
          call: id,
          chunks: call.chunks,
          bytes,
          overtaken,
          ...(error === undefined ? {} : { code: error.code, error: error.message }),
          ...(judged ? { checked: true } : {}),
          ...(k === "send" && answer?.readable === true ? { answerChecked: true } : {}),
          ...(bad === undefined ? {} : { bad: bad.reason, badWhy: bad.message }),
          ...(badAnswer === undefined
            ? {}
            : { badAnswer: badAnswer.reason, badAnswerWhy: badAnswer.message }),
        },
        t,
      );
    };
    const cut = (why: string, upstream?: http2.ClientHttp2Stream) => {
      upstream?.close(NGHTTP2_CANCEL);
      // REFUSED_STREAM says the request never reached the server (safe to retry).
      if (!stream.destroyed)
        stream.close(upstream === undefined ? NGHTTP2_REFUSED_STREAM : NGHTTP2_INTERNAL_ERROR);
      done("drop", why);
    };
    const requestCut = links.cut(c, s);
    if (requestCut !== undefined) return cut(`${requestCut} (request)`);
    await sleep(links.delay(c, s));
    // A call that arrived before one already forwarded on this link was overtaken.
    const key = `${c}>${s}`;
    overtaken = id < (this.lastForwarded.get(key) ?? 0);
    this.lastForwarded.set(key, Math.max(id, this.lastForwarded.get(key) ?? 0));
    if (stream.destroyed || this.closed) return done("drop", "caller gone");
    let upstream: http2.ClientHttp2Stream;
    try {
      upstream = this.session(s).request(forwardable(headers, [":method", ":path", ":scheme"]));
    } catch (err) {
      return cut(`unreachable: ${String(err)}`);
    }
    upstream.on("error", () => undefined);
    stream.once("close", () => {
      if (!upstream.closed) upstream.close(NGHTTP2_CANCEL);
    });
    // Tapped in the same tick as the pipe: both see every chunk.
    stream.on("data", (d: Buffer) => request?.chunk(d));
    stream.once("end", () => {
      requestEnded = true;
      request?.finish();
    });
    stream.pipe(upstream);
    let trailers: http2.IncomingHttpHeaders | undefined;
    upstream.once("trailers", (tr) => {
      trailers = tr;
    });
    try {
      const response = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        upstream.once("response", resolve);
        upstream.once("close", () => reject(new Error("closed before its response")));
      });
      const responseCut = links.cut(s, c);
      if (responseCut !== undefined) return cut(`${responseCut} (response)`, upstream);
      await sleep(links.delay(s, c));
      if (stream.destroyed) return cut("caller gone", upstream);
      // gRPC ends with trailers; Connect never sends any (its end is in the body).
      const grpc = String(response["content-type"] ?? "").startsWith("application/grpc");
      answer = new AnswerReader(rpc, response, request?.request, libraryId);
      stream.respond(forwardable(response, [":status"]), { waitForTrailers: grpc });
      const resetAfter = rpc === "Backfill" ? links.takeBackfillReset(s, c) : 0;
      for await (const chunk of upstream as AsyncIterable<Buffer>) {
        await sleep(links.get(s, c).msPerChunk);
        if (links.get(s, c).blocked) return cut("partition (mid-stream)", upstream);
        if (stream.destroyed) return cut("caller gone", upstream);
        bytes += chunk.length;
        call.chunks++;
        answer.chunk(chunk);
        if (!stream.write(chunk)) await new Promise((r) => stream.once("drain", r));
        if (rpc === "Backfill") await this.backfillTraps.hold(call);
        if (resetAfter > 0 && call.chunks >= resetAfter)
          return cut(`reset after ${call.chunks} chunks`, upstream);
      }
      if (grpc) {
        if (trailers === undefined) return cut("no trailers", upstream);
        const last = trailers;
        stream.once("wantTrailers", () => stream.sendTrailers(forwardable(last, [])));
      }
      stream.end();
      done("send", String(response[":status"] ?? "?"), answer.error(trailers));
    } catch (err) {
      cut(`upstream failed: ${err instanceof Error ? err.message : String(err)}`, upstream);
    }
  }
}
