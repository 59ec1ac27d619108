// PeerApi through a running serve's (or foreground watch's) admin API
// (admin-server.ts). Errors come back as CliErrors with the server's code.
// The token is read from the data dir's admin-token file on every call,
// so one client outlives restarts of the serve (each writes a new token).
import http from "node:http";
import type { ApiMethod, PeerApi, Progress, TagRequest } from "../api.js";
import type { PeerRecord } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import type { IndexResult, LocationInfo } from "../indexer/locations.js";
import type { IndexProgress } from "../indexer/scanner.js";
import type { FindResult, LsResult, TagView } from "../library/view.js";
import type { PeerIdentity } from "../peer-handshake.js";
import type { AddPeerResult, PinIncomingResult, TagResult, VerifyReport } from "../peer-node.js";
import type { StatusReport } from "../status-report.js";
import { readAdminToken } from "./admin-token.js";

type Line =
  | { readonly progress: unknown }
  | { readonly result: unknown }
  | { readonly error: { code: CliErrorCode; message: string; hint: string | null } };

function toError(body: Extract<Line, { error: unknown }>): CliError {
  const code = Object.values(CliErrorCode).includes(body.error.code)
    ? body.error.code
    : CliErrorCode.Internal;
  return new CliError(code, body.error.message, body.error.hint ?? undefined);
}

export class AdminClient implements PeerApi {
  /** `tokenFile`: the data dir's admin-token (DataDirPaths.adminToken). */
  constructor(
    readonly port: number,
    private readonly tokenFile: string,
    private readonly timeoutMs = 120_000,
  ) {}

  private headers(): Record<string, string> {
    const token = readAdminToken(this.tokenFile);
    return token === undefined ? {} : { authorization: `Bearer ${token}` };
  }

  /** POSTs to `path`; NDJSON lines: progress passed on, then the result or error. */
  private post(path: string, body: unknown, onProgress?: (p: unknown) => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = http.request(
        {
          host: "127.0.0.1",
          port: this.port,
          method: "POST",
          path,
          headers: { "content-type": "application/json", ...this.headers() },
        },
        (res) => {
          let buf = "";
          let last: Line | undefined;
          const take = (text: string) => {
            if (text.trim() === "") return;
            const line = JSON.parse(text) as Line;
            if ("progress" in line) onProgress?.(line.progress);
            else last = line;
          };
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            buf += chunk;
            for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
              take(buf.slice(0, nl));
              buf = buf.slice(nl + 1);
            }
          });
          res.on("end", () => {
            try {
              take(buf);
              if (last === undefined) throw new Error(`no answer (HTTP ${res.statusCode})`);
              if ("error" in last) reject(toError(last));
              else resolve("result" in last ? last.result : undefined);
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

  private call<T>(method: ApiMethod, arg: unknown, onProgress?: Progress): Promise<T> {
    return this.post(
      `/admin/call/${method}`,
      arg,
      onProgress === undefined ? undefined : (p) => onProgress(p as IndexProgress),
    ) as Promise<T>;
  }

  status(a: { probe: boolean }) {
    return this.call<StatusReport>("status", a);
  }
  addPeer(a: PeerIdentity) {
    return this.call<AddPeerResult>("addPeer", a);
  }
  pinIncoming(a: { deviceIds: readonly string[] }) {
    return this.call<PinIncomingResult>("pinIncoming", a);
  }
  removePeer(a: { peer: string }) {
    return this.call<PeerRecord>("removePeer", a);
  }
  verify(a: { peer: string }) {
    return this.call<VerifyReport>("verify", a);
  }
  tag(a: TagRequest) {
    return this.call<TagResult>("tag", a);
  }
  index(a: { path: string }, onProgress?: Progress) {
    return this.call<IndexResult>("index", a, onProgress);
  }
  locations(a: Record<string, never>) {
    return this.call<LocationInfo[]>("locations", a);
  }
  removeLocation(a: { ref: string }, onProgress?: Progress) {
    return this.call<LocationInfo>("removeLocation", a, onProgress);
  }
  watch(a: { paths: readonly string[] }) {
    return this.call<LocationInfo[]>("watch", a);
  }
  ls(a: { ref?: string }) {
    return this.call<LsResult>("ls", a);
  }
  find(a: { pattern: string; limit: number }) {
    return this.call<FindResult>("find", a);
  }
  tags(a: Record<string, never>) {
    return this.call<TagView[]>("tags", a);
  }

  /** Prometheus text of /metrics (also the demo's "is it up?" probe). */
  metrics(): Promise<string> {
    return new Promise((resolve, reject) => {
      http
        .get(
          { host: "127.0.0.1", port: this.port, path: "/metrics", headers: this.headers() },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => {
              text += c;
            });
            res.on("end", () =>
              res.statusCode === 200
                ? resolve(text)
                : reject(
                    new CliError(CliErrorCode.PeerUnavailable, `/metrics: HTTP ${res.statusCode}`),
                  ),
            );
          },
        )
        .on("error", reject);
    });
  }

  async shutdown(): Promise<void> {
    await this.post("/admin/shutdown", {});
  }
}
