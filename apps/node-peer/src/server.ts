// The peer's public face: every SyncService RPC served from the replica's
// handlers by connect-node over HTTP/2, so Connect, gRPC and gRPC-Web
// clients (and `buf curl`) all work. Mutual TLS 1.3 (ALPN h2) with every
// caller checked against the paired devices; cleartext h2c only when asked
// for, on a loopback address (PROTOCOL.md "Transport and identity").
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter, Interceptor, ServiceImpl } from "@connectrpc/connect";
import { ConnectError, createContextValues } from "@connectrpc/connect";
import { MAX_MESSAGE_BYTES, SyncService } from "@tidemark/protocol";
import type { Logger as PinoLogger } from "pino";
import { createConnectHandler } from "./connect-handler.js";
import { CliError, CliErrorCode } from "./errors.js";
import {
  type CallerGate,
  callerOfRequest,
  contextValuesOf,
  gateRefusal,
  type TransportCaller,
} from "./net/caller-gate.js";
import { LIBRARY_INFO_PATH, type LibraryInfo, serveLibraryInfo } from "./net/library-info.js";
import { TLS_SETTINGS } from "./net/pinned-tls.js";
import {
  applyServerLimits,
  type BreachSink,
  DEFAULT_SERVER_LIMITS,
  http2Options,
  type ServerLimits,
} from "./net/server-limits.js";
import { isLoopbackHost } from "./test-control/loopback.js";
import type { WireMeter } from "./wire-meter.js";

/** How the listener authenticates callers. */
export type ServerSecurity =
  | {
      readonly mode: "mutual-tls";
      /** This device's key and certificate (PEM). */
      readonly keyPem: string;
      readonly certPem: string;
      readonly gate: CallerGate;
      /** Told of a connection that failed the TLS handshake (cleartext, no h2, old TLS): log and count it. */
      readonly onTlsError?: (address: string, error: string) => void;
    }
  | { readonly mode: "insecure-loopback" };

export type SyncServerOptions = {
  readonly service: ServiceImpl<typeof SyncService>;
  readonly security: ServerSecurity;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  readonly meter?: WireMeter;
  readonly logger?: PinoLogger;
  /** Test/demo only: delay before each message of a streamed response. */
  readonly throttleMs?: number;
  /** Listener bounds; unset ones keep DEFAULT_SERVER_LIMITS. */
  readonly limits?: Partial<ServerLimits>;
  /** Told of every breach of a listener bound (after it is logged). */
  readonly onBreach?: BreachSink;
  /** Answers GET LIBRARY_INFO_PATH (to paired devices) when set. */
  readonly libraryInfo?: () => LibraryInfo;
  /** More services on the same server (test only: TestControl). */
  readonly moreRoutes?: (router: ConnectRouter) => void;
};

export type RunningServer = {
  readonly port: number;
  readonly url: string;
  /** Open TCP connections right now. */
  connections(): number;
  /** Stops accepting, closes open sessions; resolves when the socket is closed. */
  close(): Promise<void>;
};

/** Logs every failed RPC (code, procedure); successes only at debug. */
function loggingInterceptor(logger: PinoLogger): Interceptor {
  return (next) => async (req) => {
    const started = Date.now();
    try {
      const res = await next(req);
      logger.debug({ event: "rpc", method: req.method.name, ms: Date.now() - started }, "rpc ok");
      return res;
    } catch (err) {
      const e = ConnectError.from(err);
      logger.warn(
        { event: "rpc-error", method: req.method.name, code: e.code, reason: e.rawMessage },
        `rpc ${req.method.name} failed: ${e.rawMessage}`,
      );
      throw err;
    }
  };
}

/**
 * Paces streamed responses: before each message, a turn of the event loop
 * (a page is built synchronously and a fast reader never blocks the
 * write, so concurrent Backfills would otherwise run page after page on
 * microtasks and keep every other request, Hello too, waiting), or with
 * `delayMs` (tests and the demo) a delay, like a slow link.
 */
function pacingInterceptor(delayMs: number | undefined): Interceptor {
  const wait = () =>
    new Promise((r) => (delayMs === undefined ? setImmediate(r) : setTimeout(r, delayMs)));
  return (next) => async (req) => {
    const res = await next(req);
    if (!res.stream) return res;
    const source = res.message;
    async function* paced() {
      for await (const m of source) {
        await wait();
        yield m;
      }
    }
    return { ...res, message: paced() };
  };
}

export async function startSyncServer(opts: SyncServerOptions): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const security = opts.security;
  if (security.mode === "insecure-loopback" && !isLoopbackHost(host)) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `--insecure-loopback is refused on --host ${host}: cleartext would let anyone on the network in`,
      "serve on 127.0.0.1 or ::1, or drop --insecure-loopback (mutual TLS)",
    );
  }
  const gate = security.mode === "mutual-tls" ? security.gate : undefined;
  const insecure: TransportCaller = { kind: "insecure-loopback" };
  const connectHandler = createConnectHandler({
    routes: (router) => {
      router.service(SyncService, opts.service);
      opts.moreRoutes?.(router);
    },
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
    contextValues: (req) =>
      contextValuesOf(
        gate === undefined ? insecure : callerOfRequest(req),
        gate,
      )(createContextValues()),
    // Paired devices only, checked before a byte of the request is read.
    ...(gate === undefined
      ? {}
      : { refuse: (req, method) => gateRefusal(gate, callerOfRequest(req), method) }),
    interceptors: [
      ...(opts.logger === undefined ? [] : [loggingInterceptor(opts.logger)]),
      pacingInterceptor(opts.throttleMs),
    ],
  });
  const info = opts.libraryInfo;
  const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) =>
    info !== undefined && req.url === LIBRARY_INFO_PATH
      ? serveLibraryInfo(req, res, info, gate)
      : connectHandler(req, res);
  const limits = { ...DEFAULT_SERVER_LIMITS, ...opts.limits };
  const server =
    security.mode === "mutual-tls"
      ? http2.createSecureServer(
          {
            ...http2Options(limits),
            ...TLS_SETTINGS,
            key: security.keyPem,
            cert: security.certPem,
            // A connection that never finishes its handshake is no session:
            // without this Node would hold it 120 s whatever sessionIdleMs says.
            handshakeTimeout: limits.tlsHandshakeMs,
            // Every client shows a certificate; its device id, not a CA, decides.
            requestCert: true,
            rejectUnauthorized: false,
            allowHTTP1: false,
          },
          handler,
        )
      : http2.createServer(http2Options(limits), handler);
  if (security.mode === "mutual-tls") {
    server.on("tlsClientError", (err: NodeJS.ErrnoException, socket) => {
      const address = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
      // Logged (rate-limited) and counted by the host's refusal sink.
      security.onTlsError?.(address, err.code ?? err.message);
    });
  }
  const tracked = applyServerLimits(server, limits, (limit, address, detail) => {
    opts.logger?.warn(
      { event: "server-limit", limit, address, ...(detail === undefined ? {} : { detail }) },
      `${address}: ${limit} limit reached`,
    );
    opts.onBreach?.(limit, address, detail);
  });
  server.on("connection", (socket) => opts.meter?.track(socket));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new CliError(
              CliErrorCode.InvalidArgument,
              `port ${opts.port} on ${host} is in use`,
              "pick another --port",
            )
          : err,
      ),
    );
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `${security.mode === "mutual-tls" ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`,
    connections: tracked.connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Sessions that do not finish in a second are cut.
        tracked.closeAll(1_000);
      }),
  };
}
