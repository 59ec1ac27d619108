// `GET /.well-known/tidemark/library` on the sync port: who this device is
// and which library it holds, for a paired device only (mutual TLS). It is
// how `tidemark init --join` learns the library without anyone typing hex.
import http2, { type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { type CallerGate, callerOfRequest } from "./caller-gate.js";
import { type ClientCredentials, pinnedTlsOptions, probePeerCertificate } from "./pinned-tls.js";

export const LIBRARY_INFO_PATH = "/.well-known/tidemark/library";

export type LibraryInfo = {
  readonly libraryId: string;
  readonly libraryName: string;
  readonly deviceId: string;
  readonly deviceName: string;
};

/** Answers the library-info request; `gate` undefined on a cleartext loopback listener. */
export function serveLibraryInfo(
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  info: () => LibraryInfo,
  gate: CallerGate | undefined,
): void {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method !== "GET") {
    send(405, { error: "method_not_allowed" });
    return;
  }
  if (gate !== undefined) {
    const caller = callerOfRequest(req);
    if (caller.kind !== "device" && caller.kind !== "insecure-loopback") {
      gate.refused({ reason: "unauthenticated", address: caller.address, method: "library-info" });
      send(401, { error: "unauthenticated" });
      return;
    }
    if (caller.kind === "device" && !gate.isPaired(caller.deviceId)) {
      gate.refused({
        reason: "not-paired",
        address: caller.address,
        deviceId: caller.deviceId,
        method: "library-info",
      });
      send(403, { error: "not_paired", deviceId: caller.deviceId });
      return;
    }
  }
  send(200, info());
}

export type LibraryInfoAnswer =
  | { readonly kind: "info"; readonly info: LibraryInfo }
  | { readonly kind: "not-paired" }
  | { readonly kind: "error"; readonly error: Error };

/** Asks the device at `url` (pinned to `expect`) for its library info. */
export async function fetchLibraryInfo(
  url: string,
  credentials: ClientCredentials,
  expect: string,
  timeoutMs = 5_000,
): Promise<LibraryInfoAnswer> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const port = Number(parsed.port || 443);
  let certPem: string;
  try {
    certPem = await probePeerCertificate(host, port, credentials, expect, timeoutMs);
  } catch (error) {
    return { kind: "error", error: error as Error };
  }
  return new Promise((resolve) => {
    const session = http2.connect(parsed.origin, {
      ...pinnedTlsOptions(`${host}:${port}`, credentials, expect, certPem),
    });
    const done = (answer: LibraryInfoAnswer) => {
      clearTimeout(timer);
      session.destroy();
      resolve(answer);
    };
    const timer = setTimeout(
      () => done({ kind: "error", error: new Error("no answer") }),
      timeoutMs,
    );
    session.on("error", (error) => done({ kind: "error", error }));
    const req = session.request({ ":path": LIBRARY_INFO_PATH, ":method": "GET" });
    let body = "";
    let status = 0;
    req.setEncoding("utf8");
    req.on("response", (h) => {
      status = Number(h[":status"]);
    });
    req.on("data", (d: string) => {
      body += d;
    });
    req.on("error", (error) => done({ kind: "error", error }));
    req.on("end", () => {
      if (status === 403) return done({ kind: "not-paired" });
      if (status !== 200)
        return done({ kind: "error", error: new Error(`HTTP ${status}: ${body}`) });
      try {
        done({ kind: "info", info: JSON.parse(body) as LibraryInfo });
      } catch (error) {
        done({ kind: "error", error: error as Error });
      }
    });
    req.end();
  });
}
