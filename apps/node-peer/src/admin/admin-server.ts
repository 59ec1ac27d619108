// Local control of the process that owns a data dir (`serve`, or a
// foreground `watch`): Prometheus `/metrics` and the PeerApi as JSON, on
// 127.0.0.1 only. One process owns the replica; other commands call it
// here instead of opening the DB.
//
//   POST /admin/call/<method>  body: the method's argument (JSON object)
//   -> NDJSON: {"progress": …} lines while it works, then {"result": …}
//      or {"error": {code, message, hint}}.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isApiMethod, type PeerApi } from "../api.js";
import { CliError, CliErrorCode } from "../errors.js";
import type { PeerNode } from "../peer-node.js";

export type AdminServer = { readonly port: number; close(): Promise<void> };

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

export async function startAdminServer(
  node: PeerNode,
  api: PeerApi,
  port: number,
  onShutdown: () => void,
): Promise<AdminServer> {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
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
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
