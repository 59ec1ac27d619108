// Client of a running `serve`'s admin API (admin-server.ts), for the CLI
// and the demo. Errors come back as CliErrors with the server's code.
import http from "node:http";
import type { PeerRecord } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import type { IndexProgress, IndexResult } from "../indexer/index-location.js";
import type { VerifyReport } from "../peer-node.js";
import type { StatusReport } from "../status-report.js";

type ErrorBody = { error: { code: CliErrorCode; message: string; hint: string | null } };

function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === "object" && v !== null && "error" in v;
}

function toError(body: ErrorBody): CliError {
  const code = Object.values(CliErrorCode).includes(body.error.code)
    ? body.error.code
    : CliErrorCode.Internal;
  return new CliError(code, body.error.message, body.error.hint ?? undefined);
}

export class AdminClient {
  constructor(
    readonly port: number,
    private readonly timeoutMs = 30_000,
  ) {}

  private request(
    method: string,
    path: string,
    body: unknown,
    onLine?: (line: unknown) => void,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: "127.0.0.1",
          port: this.port,
          method,
          path,
          headers: payload === undefined ? {} : { "content-type": "application/json" },
        },
        (res) => {
          let buf = "";
          let last: unknown;
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            buf += chunk;
            if (onLine === undefined) return;
            let nl = buf.indexOf("\n");
            while (nl >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim() !== "") {
                last = JSON.parse(line);
                onLine(last);
              }
              nl = buf.indexOf("\n");
            }
          });
          res.on("end", () => {
            try {
              const value: unknown =
                onLine === undefined ? (buf === "" ? {} : JSON.parse(buf)) : last;
              if (isErrorBody(value)) reject(toError(value));
              else if ((res.statusCode ?? 500) >= 400)
                reject(new CliError(CliErrorCode.Internal, `admin API answered ${res.statusCode}`));
              else resolve(value);
            } catch (cause) {
              reject(
                new CliError(CliErrorCode.Internal, "bad answer from the admin API", undefined, {
                  cause,
                }),
              );
            }
          });
          res.on("error", reject);
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`admin call ${path} timed out`)));
      req.on("error", (cause) =>
        reject(
          new CliError(
            CliErrorCode.PeerUnavailable,
            `cannot reach the running serve: ${cause.message}`,
            undefined,
            {
              cause,
            },
          ),
        ),
      );
      req.end(payload);
    });
  }

  async status(probe: boolean): Promise<StatusReport> {
    return (await this.request(
      "GET",
      `/admin/status${probe ? "?probe=1" : ""}`,
      undefined,
    )) as StatusReport;
  }

  async metrics(): Promise<string> {
    return new Promise((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port: this.port, path: "/metrics" }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            text += c;
          });
          res.on("end", () => resolve(text));
        })
        .on("error", reject);
    });
  }

  async addPeer(url: string): Promise<PeerRecord> {
    return (await this.request("POST", "/admin/peers", { url })) as PeerRecord;
  }

  async verify(peer: string): Promise<VerifyReport> {
    return (await this.request("POST", "/admin/verify", { peer })) as VerifyReport;
  }

  async tag(name: string, entries: readonly string[], opts: { color?: string; remove?: boolean }) {
    return (await this.request("POST", "/admin/tag", { name, entries, ...opts })) as {
      tag: string;
      changes: number;
    };
  }

  /** Indexes on the server; progress lines arrive as they happen. */
  async index(path: string, onProgress?: (p: IndexProgress) => void): Promise<IndexResult> {
    const last = await this.request("POST", "/admin/index", { path }, (line) => {
      if (typeof line === "object" && line !== null && "progress" in line) {
        onProgress?.((line as { progress: IndexProgress }).progress);
      }
    });
    if (typeof last === "object" && last !== null && "result" in last) {
      return (last as { result: IndexResult }).result;
    }
    throw new CliError(CliErrorCode.Internal, "index ended without a result");
  }

  async shutdown(): Promise<void> {
    await this.request("POST", "/admin/shutdown", {});
  }
}
