// Local control of the process that owns a data dir (`serve`, or a
// foreground `watch`): Prometheus `/metrics` and the PeerApi as JSON, on
// 127.0.0.1 only. One process owns the replica; other commands call it
// here instead of opening the DB. Every request needs the token of the
// data dir's admin-token file and must not look like a browser's
// (admin-guard.ts); no method fetches a URL it is given.
//
//   POST /admin/call/<method>  body: the method's argument (JSON object)
//   -> NDJSON: {"progress": …} lines while it works, then {"result": …}
//      or {"error": {code, message, hint}}.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isApiMethod, type PeerApi } from "../api.js";
import { CliError, CliErrorCode } from "../errors.js";
import type { PeerNode } from "../peer-node.js";
import { refusal } from "./admin-guard.js";

export type AdminServer = {
  readonly port: number;
  /** The address it is bound to: 127.0.0.1, never a wildcard. */
  readonly address: string;
  close(): Promise<void>;
};

const MAX_BODY = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new CliError(CliErrorCode.InvalidArgument, "request body too large");
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error("not an object");
    }
    return value as Record<string, unknown>;
  } catch (cause) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      "request body is not a JSON object",
      undefined,
      {
        cause,
      },
    );
  }
}

function errorLine(err: unknown): string {
  const e = CliError.from(err);
  return `${JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint ?? null } })}\n`;
}

/** Prometheus text: the engine's metrics plus the host's wire byte counters. */
export function prometheusText(node: PeerNode): string {
  const host = [
    "# HELP tidemark_wire_bytes_in_total Bytes read from peer sockets (server and client side).",
    "# TYPE tidemark_wire_bytes_in_total counter",
    `tidemark_wire_bytes_in_total ${node.meter.bytesIn}`,
    "# HELP tidemark_wire_bytes_out_total Bytes written to peer sockets (server and client side).",
    "# TYPE tidemark_wire_bytes_out_total counter",
    `tidemark_wire_bytes_out_total ${node.meter.bytesOut}`,
  ].join("\n");
  const engine = node.replica.metrics().prometheus.trimEnd();
  const limits = node.hostMetrics.prometheus().trimEnd();
  return `${engine}\n${limits === "" ? "" : `${limits}\n`}${host}\n`;
}

async function call(api: PeerApi, name: string, req: IncomingMessage, res: ServerResponse) {
  if (!isApiMethod(name))
    throw new CliError(CliErrorCode.InvalidArgument, `no admin method ${name}`);
  const body = await readJson(req);
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  const progress = (p: unknown) => res.write(`${JSON.stringify({ progress: p })}\n`);
  // One dispatch for every method: each takes (argument, progress?).
  const method = api[name] as (a: unknown, p?: (x: unknown) => void) => Promise<unknown>;
  const result = await method.call(api, body, progress);
  res.end(`${JSON.stringify({ result })}\n`);
}

const REFUSAL_STATUS: Partial<Record<CliErrorCode, number>> = {
  [CliErrorCode.Unauthorized]: 401,
  [CliErrorCode.Forbidden]: 403,
  [CliErrorCode.InvalidArgument]: 415,
};

export type AdminServerOptions = {
  readonly node: PeerNode;
  readonly api: PeerApi;
  readonly port: number;
  /** Required on every request (admin-token.ts). */
  readonly token: string;
  readonly onShutdown: () => void;
};

export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const { node, api, onShutdown } = opts;
  let listening = 0;
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refused = refusal(req, opts.token, listening);
    if (refused !== undefined) {
      node.hostMetrics.inc("tidemark_admin_refusals_total", { reason: refused.code });
      node.log.pino.warn(
        { event: "admin-refused", reason: refused.code, detail: refused.message },
        `admin API refused a request: ${refused.message}`,
      );
      res.writeHead(REFUSAL_STATUS[refused.code] ?? 400, {
        "content-type": "application/x-ndjson",
      });
      res.end(errorLine(refused));
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(prometheusText(node));
      return;
    }
    if (req.method === "POST" && url.pathname.startsWith("/admin/call/")) {
      await call(api, url.pathname.slice("/admin/call/".length), req, res);
      return;
    }
    if (req.method === "POST" && url.pathname === "/admin/shutdown") {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(`${JSON.stringify({ result: { ok: true } })}\n`);
      onShutdown();
      return;
    }
    res.writeHead(404, { "content-type": "application/x-ndjson" });
    res.end(
      errorLine(
        new CliError(CliErrorCode.InvalidArgument, `no route ${req.method} ${url.pathname}`),
      ),
    );
  };
  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(400, { "content-type": "application/x-ndjson" });
      res.end(errorLine(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  listening = (server.address() as AddressInfo).port;
  return {
    port: listening,
    address: (server.address() as AddressInfo).address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
