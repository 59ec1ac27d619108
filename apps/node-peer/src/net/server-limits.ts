// Bounds of the SyncService's HTTP/2 listener: what one TCP peer can make
// this process hold before a single RPC runs. Connection caps (total and
// per remote address), a TLS handshake must finish in time, a session with
// no open stream is closed, a request must arrive whole in time, a stream
// that moves no byte is cancelled, streams per session and header bytes
// are capped in SETTINGS, and body bytes are counted. Every breach is logged and counted by `limit` name.
import type http2 from "node:http2";
import type { Socket } from "node:net";

/** The listener's bounds; DEFAULT_SERVER_LIMITS documents each default. */
export type ServerLimits = {
  /** Open TCP connections at once; more are closed at accept. */
  readonly maxConnections: number;
  /** Open TCP connections from one remote address. */
  readonly maxConnectionsPerAddress: number;
  /**
   * A TLS connection that has not finished its handshake this long after
   * accept is closed (it is no HTTP/2 session yet, so sessionIdleMs cannot).
   */
  readonly tlsHandshakeMs: number;
  /** A session with no open stream this long is closed (GOAWAY). */
  readonly sessionIdleMs: number;
  /** A request's headers and body must have arrived this long after its stream opened. */
  readonly requestReadMs: number;
  /** A stream on which no byte moves either way this long is cancelled (a reader that stopped). */
  readonly streamStallMs: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS: open streams per session. */
  readonly maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: bytes of one request's headers. */
  readonly maxHeaderListBytes: number;
  /** Request body bytes per stream; above it the stream is reset (the RPC layer refuses earlier). */
  readonly maxBodyBytes: number;
  /** HTTP/2 memory per session, MiB (nghttp2's buffers and queued frames). */
  readonly maxSessionMemoryMiB: number;
};

/**
 * Defaults sized for a library synced between a handful of devices: every
 * bound is far above what honest peers use (one or two connections each,
 * a few streams at a time, requests of at most MAX_MESSAGE_BYTES sent in
 * well under a second on a LAN) and low enough that a flood is cheap.
 */
export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxConnections: 256,
  maxConnectionsPerAddress: 64,
  // A TLS 1.3 handshake is one round trip.
  tlsHandshakeMs: 10_000,
  sessionIdleMs: 120_000,
  requestReadMs: 30_000,
  streamStallMs: 60_000,
  maxConcurrentStreams: 32,
  maxHeaderListBytes: 16 * 1024,
  // MAX_MESSAGE_BYTES (4 MiB) plus envelope framing and a little slack.
  maxBodyBytes: 4 * 1024 * 1024 + 64 * 1024,
  maxSessionMemoryMiB: 16,
};

/** Names of the listener's bounds, as logged and as the `limit` label of the metric. */
export type ServerLimitName =
  | "max-connections"
  | "max-connections-per-address"
  | "tls-handshake"
  | "session-idle"
  | "request-read"
  | "stream-stall"
  | "max-body-bytes";

/** Called on every breach (log + metric); `address` is the remote address. */
export type BreachSink = (limit: ServerLimitName, address: string, detail?: string) => void;

/** The http2 options that carry the bounds nghttp2 enforces itself. */
export function http2Options(limits: ServerLimits): http2.ServerOptions {
  return {
    maxSessionMemory: limits.maxSessionMemoryMiB,
    settings: {
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderListBytes,
    },
    // A request with more header fields than this is refused outright.
    maxHeaderListPairs: 64,
  };
}

const NGHTTP2_CANCEL = 0x8;
const NGHTTP2_ENHANCE_YOUR_CALM = 0xb;

/** One accepted connection: its raw socket and, once it speaks HTTP/2, its session. */
type Conn = {
  readonly socket: Socket;
  session?: http2.ServerHttp2Session;
  /** The client sent its SETTINGS: it answers a GOAWAY. */
  settled: boolean;
};

export type TrackedServer = {
  /** Open TCP connections. */
  readonly connections: () => number;
  /**
   * Ends every connection for the server's close(): sessions are closed
   * (in-flight streams finish), connections that never became one are cut
   * at once, and whatever is left after graceMs is cut.
   */
  readonly closeAll: (graceMs: number) => void;
};

/**
 * Enforces the bounds nghttp2 does not on `server` (an http2 server, clear
 * or TLS). Call before listen(). Tracks the connections, which closeAll ends.
 */
export function applyServerLimits(
  server: http2.Http2Server | http2.Http2SecureServer,
  limits: ServerLimits,
  breach: BreachSink,
): TrackedServer {
  const perAddress = new Map<string, number>();
  // Raw sockets by "address:port": a session's own socket handle is gone
  // once it closes, and a hung one must still be cut.
  const conns = new Map<string, Conn>();
  let open = 0;
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "?";
    const mine = perAddress.get(address) ?? 0;
    if (open >= limits.maxConnections || mine >= limits.maxConnectionsPerAddress) {
      breach(
        open >= limits.maxConnections ? "max-connections" : "max-connections-per-address",
        address,
      );
      cut(socket);
      return;
    }
    open++;
    perAddress.set(address, mine + 1);
    const key = `${address}:${socket.remotePort}`;
    conns.set(key, { socket, settled: false });
    socket.once("close", () => {
      conns.delete(key);
      open--;
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n <= 0) perAddress.delete(address);
      else perAddress.set(address, n);
    });
  });
  // TLS listeners only: Node closes a connection past handshakeTimeout.
  server.on("tlsClientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === "ERR_TLS_HANDSHAKE_TIMEOUT")
      breach("tls-handshake", socket.remoteAddress ?? "?");
  });
  server.on("session", (session) => {
    const key = `${session.socket?.remoteAddress}:${session.socket?.remotePort}`;
    const conn = conns.get(key);
    if (conn !== undefined) {
      conn.session = session;
      session.once("remoteSettings", () => {
        conn.settled = true;
      });
    }
    watchSession(session, limits, breach, () => conns.get(key)?.socket);
  });
  server.on("stream", (stream) => watchStream(stream, limits, breach));
  return { connections: () => open, closeAll: (graceMs) => closeAll(conns, graceMs) };
}

// Closing the session of a client that never sent its SETTINGS (silent, or
// a bare preface) destroys it at once and leaves its TCP connection open
// (see cut()), holding server.close() for sessionIdleMs: such are cut.
function closeAll(conns: ReadonlyMap<string, Conn>, graceMs: number): void {
  for (const c of conns.values()) {
    if (c.session !== undefined && c.settled) c.session.close();
    else cut(c.socket);
  }
  setTimeout(() => {
    for (const c of conns.values()) cut(c.socket);
  }, graceMs).unref();
}

// Once nghttp2 owns a socket, closing the session or destroying the socket
// leaves the TCP connection open until the peer speaks (Node 20, a client
// that never sent its preface); a reset closes it at once.
function cut(socket: Socket): void {
  socket.resetAndDestroy();
}

function addressOf(session: http2.Http2Session | undefined): string {
  return session?.socket?.remoteAddress ?? "?";
}

// A session is idle while it has no open stream; idle too long, it gets a
// GOAWAY (in-flight nothing, so nothing is lost; a client reconnects).
function watchSession(
  session: http2.ServerHttp2Session,
  limits: ServerLimits,
  breach: BreachSink,
  socketOf: () => Socket | undefined,
): void {
  let streams = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => {
      breach("session-idle", addressOf(session));
      // GOAWAY says why; the connection is then reset, not closed: a
      // closed session may leave its TCP connection open (see cut()).
      const socket = socketOf();
      if (!session.closed && !session.destroyed) session.goaway();
      if (socket !== undefined) setTimeout(() => cut(socket), 200).unref();
      else session.destroy();
    }, limits.sessionIdleMs);
    timer.unref();
  };
  arm();
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    streams++;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    stream.once("close", () => {
      streams--;
      if (streams === 0 && !session.closed && !session.destroyed) arm();
    });
  });
  session.once("close", () => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

function watchStream(stream: http2.ServerHttp2Stream, limits: ServerLimits, breach: BreachSink) {
  const address = addressOf(stream.session);
  const reset = (limit: ServerLimitName, code: number) => {
    if (stream.destroyed || stream.closed) return;
    breach(limit, address);
    stream.close(code);
  };
  // Slowloris: the whole request, not each byte, has a deadline.
  const reading = setTimeout(() => reset("request-read", NGHTTP2_CANCEL), limits.requestReadMs);
  reading.unref();
  // Observing only: the compat layer already reads the stream, so these
  // listeners neither start nor stop its flow.
  let bytes = 0;
  stream.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > limits.maxBodyBytes) reset("max-body-bytes", NGHTTP2_ENHANCE_YOUR_CALM);
  });
  stream.once("end", () => clearTimeout(reading));
  stream.setTimeout(limits.streamStallMs, () => reset("stream-stall", NGHTTP2_CANCEL));
  stream.once("close", () => clearTimeout(reading));
}
