// Client under test, TLS (PROTOCOL.md TI-9): a client MUST check, before
// it sends any request on a connection, that the server's certificate
// proves the device id it pinned. The runner serves HTTP/2 over TLS 1.3
// with one identity's certificate while the client is told to pin another
// id, and counts what arrives: TLS handshakes, yes; requests, none. A
// control run with the right certificate must see a request, so a client
// that never calls cannot pass.
import { execFile } from "node:child_process";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import { promisify } from "node:util";
import { strangerIdentity } from "../identities.js";

export const CLIENT_PIN_RULES = ["TI-9"] as const;

export type ClientPinOptions = {
  /** Makes the client pair (and dial) the device {device} at {url}. */
  readonly addPeer: (url: string, deviceHex: string) => Promise<void>;
  /** How long to watch for the client's connection and requests after addPeer. */
  readonly windowMs?: number;
};

export type ClientPinOutcome = {
  readonly id: "client-refuses-unpinned-server" | "client-calls-pinned-server";
  readonly ok: boolean;
  readonly detail: string;
};

type Watched = { handshakes: number; requests: string[]; addError: string | undefined };

async function serveAndWatch(
  cert: { certPem: string; keyPem: string },
  pinnedHex: string,
  opts: ClientPinOptions,
  until: (w: Watched) => boolean,
): Promise<Watched> {
  const w: Watched = { handshakes: 0, requests: [], addError: undefined };
  const server: Http2SecureServer = createSecureServer({
    cert: cert.certPem,
    key: cert.keyPem,
    minVersion: "TLSv1.3",
    maxVersion: "TLSv1.3",
    ALPNProtocols: ["h2"],
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on("secureConnection", () => {
    w.handshakes++;
  });
  server.on("stream", (stream, headers) => {
    w.requests.push(String(headers[":path"]));
    stream.respond({ ":status": 404 });
    stream.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const url = `https://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  try {
    // The add may fail (a client that checks the pin refuses the server): noted, not judged.
    await opts.addPeer(url, pinnedHex).catch((err: unknown) => {
      w.addError = err instanceof Error ? err.message : String(err);
    });
    const deadline = Date.now() + (opts.windowMs ?? 5_000);
    while (Date.now() < deadline && !until(w)) await new Promise((r) => setTimeout(r, 100));
    return w;
  } finally {
    server.close();
    // Lingering client sessions must not keep the server (and the run) alive.
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Both runs: the wrong certificate (no request may arrive) and the control. */
export async function runClientPin(opts: ClientPinOptions): Promise<ClientPinOutcome[]> {
  const [served, pinned, right] = await Promise.all([
    strangerIdentity(),
    strangerIdentity(),
    strangerIdentity(),
  ]);
  const wrong = await serveAndWatch(served, pinned.hex, opts, (w) => w.requests.length > 0);
  const refused: ClientPinOutcome = {
    id: "client-refuses-unpinned-server",
    ok: wrong.handshakes > 0 && wrong.requests.length === 0,
    detail:
      wrong.requests.length > 0
        ? `the client pinned ${pinned.hex} but sent ${wrong.requests.join(", ")} to a server whose certificate proves ${served.hex}`
        : wrong.handshakes === 0
          ? `the client never connected (does the add-peer command make it dial {url}?)${wrong.addError === undefined ? "" : `; it failed: ${wrong.addError}`}`
          : `${wrong.handshakes} handshake(s), no request`,
  };
  const control = await serveAndWatch(right, right.hex, opts, (w) => w.requests.length > 0);
  const calls: ClientPinOutcome = {
    id: "client-calls-pinned-server",
    ok: control.requests.length > 0,
    detail:
      control.requests.length > 0
        ? `first request ${control.requests[0]}`
        : `no request to the server it pinned within the window (${control.handshakes} handshake(s))${control.addError === undefined ? "" : `; the add-peer command failed: ${control.addError}`}`,
  };
  return [refused, calls];
}

/** An add-peer command template run through sh, {url} and {device} filled in. */
export function addPeerByCommand(template: string): ClientPinOptions["addPeer"] {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return async (url, device) => {
    const cmd = template.replaceAll("{url}", quote(url)).replaceAll("{device}", quote(device));
    try {
      await promisify(execFile)("sh", ["-c", cmd], { timeout: 120_000 });
    } catch (err) {
      const e = err as { code?: unknown; stderr?: string };
      throw new Error(`add-peer command failed (${String(e.code)}): ${(e.stderr ?? "").trim()}`);
    }
  };
}
