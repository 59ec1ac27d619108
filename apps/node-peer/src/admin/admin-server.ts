// Local control of a running `serve`: Prometheus `/metrics` and a small
// JSON API the CLI (and the demo) use, on 127.0.0.1 only. One process owns
// the replica; other commands talk to it here instead of opening the DB.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
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
    if (typeof value !== "object" || value === null) throw new Error("not an object");
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

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== "string")
    throw new CliError(CliErrorCode.InvalidArgument, `"${key}" must be a string`);
  return v;
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function sendError(res: ServerResponse, err: unknown): void {
  const e = CliError.from(err);
  const status = e.code === CliErrorCode.Internal ? 500 : 400;
  if (res.headersSent) {
    res.end(`${JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint } })}\n`);
    return;
  }
  send(res, status, { error: { code: e.code, message: e.message, hint: e.hint ?? null } });
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
  return `${engine}\n${host}\n`;
}

export async function startAdminServer(
  node: PeerNode,
  port: number,
  onShutdown: () => void,
): Promise<AdminServer> {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const key = `${req.method} ${url.pathname}`;
    switch (key) {
      case "GET /metrics":
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        res.end(prometheusText(node));
        return;
      case "GET /admin/status":
        send(res, 200, await node.report(url.searchParams.get("probe") === "1"));
        return;
      case "POST /admin/peers": {
        const body = await readJson(req);
        send(res, 200, await node.addPeerByUrl(str(body, "url")));
        return;
      }
      case "POST /admin/verify": {
        const body = await readJson(req);
        send(res, 200, await node.verify(str(body, "peer")));
        return;
      }
      case "POST /admin/tag": {
        const body = await readJson(req);
        const entries = Array.isArray(body.entries) ? body.entries.map(String) : [];
        const color = typeof body.color === "string" ? body.color : undefined;
        send(
          res,
          200,
          node.tag(str(body, "name"), entries, {
            ...(color === undefined ? {} : { color }),
            remove: body.remove === true,
          }),
        );
        return;
      }
      case "POST /admin/index": {
        const body = await readJson(req);
        // NDJSON: progress lines, then one {result} or {error} line.
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        const result = await node.index(str(body, "path"), (p) => {
          res.write(`${JSON.stringify({ progress: p })}\n`);
        });
        res.end(`${JSON.stringify({ result })}\n`);
        return;
      }
      case "POST /admin/shutdown":
        send(res, 200, { ok: true });
        onShutdown();
        return;
      default:
        send(res, 404, { error: { code: "not-found", message: `no route ${key}`, hint: null } });
    }
  };
  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => sendError(res, err));
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
