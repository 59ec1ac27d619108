// How the runner reaches a peer: the Connect protocol or gRPC, over HTTP/2
// — cleartext with prior knowledge (h2c) for http:// targets, TLS for
// https:// ones, optionally with a client certificate and a check that the
// server's certificate key is the expected device (PROTOCOL.md TR, TI).
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { type ConnectionOptions, type PeerCertificate, connect as tlsConnect } from "node:tls";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { deviceIdFromSpki, SyncService } from "@tidemark/protocol";

export type WireProtocol = "connect" | "grpc";

export type TargetOptions = {
  readonly url: string;
  readonly protocol: WireProtocol;
  /** PEM files of the runner's client certificate and key (mutual TLS). */
  readonly certFile?: string;
  readonly keyFile?: string;
  /**
   * PEM contents of the client certificate and key to present (a case's
   * identity), replacing certFile/keyFile; "none" presents no certificate.
   */
  readonly credentials?: { readonly cert: string; readonly key: string } | "none";
  /** PEM file of the CA (or the peer's self-signed certificate) to trust. */
  readonly caFile?: string;
  /** The device id (32 hex) the server's certificate key must derive to. */
  readonly serverDeviceId?: string;
  /** The server's certificate (PEM) once pinTarget checked it proves serverDeviceId. */
  readonly serverCertPem?: string;
};

/** TLS as PROTOCOL.md TI-6 requires: 1.3 only, ALPN h2. */
const TLS_SETTINGS: Pick<ConnectionOptions, "minVersion" | "maxVersion" | "ALPNProtocols"> = {
  minVersion: "TLSv1.3",
  maxVersion: "TLSv1.3",
  ALPNProtocols: ["h2"],
};

const deviceIdOfCert = (raw: Buffer) =>
  Buffer.from(
    deviceIdFromSpki(
      new Uint8Array(new X509Certificate(raw).publicKey.export({ type: "spki", format: "der" })),
    ),
  ).toString("hex");

/**
 * For an https:// target pinned by --server-device-id (and no --ca): one
 * handshake reads the server's certificate and checks the device id it
 * proves (TI-9); every real connection then trusts exactly that
 * certificate and checks the id again. Node's TLS client skips
 * checkServerIdentity for a certificate it could not verify, so without
 * this a self-signed server would never be checked.
 */
export async function pinTarget(opts: TargetOptions, timeoutMs = 10_000): Promise<TargetOptions> {
  const expected = opts.serverDeviceId?.toLowerCase();
  const url = new URL(opts.url);
  if (url.protocol !== "https:" || expected === undefined || opts.caFile !== undefined) return opts;
  const read = (f: string | undefined) => (f === undefined ? undefined : readFileSync(f));
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const socket = tlsConnect({
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port || 443),
      cert: read(opts.certFile),
      key: read(opts.keyFile),
      // Read, not trusted: the device id decides.
      rejectUnauthorized: false,
      ...TLS_SETTINGS,
    });
    const timer = setTimeout(
      () => socket.destroy(new TargetError(`no TLS handshake within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate(false)?.raw;
      socket.end();
      if (cert === undefined) reject(new TargetError("the server presented no certificate"));
      else resolve(cert);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(new TargetError(`TLS handshake with ${url.host} failed: ${err.message}`));
    });
  });
  const got = deviceIdOfCert(raw);
  if (got !== expected)
    throw new TargetError(`server certificate is device ${got}, expected ${expected}: refused`);
  return { ...opts, serverCertPem: new X509Certificate(raw).toString() };
}

export type SyncClient = Client<typeof SyncService>;

export class TargetError extends Error {
  override readonly name = "TargetError";
}

/** A transport for `opts`; `protocol` overrides the target's default. */
export function transportFor(opts: TargetOptions, protocol = opts.protocol): Transport {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new TargetError(`--target: not a URL: ${opts.url}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new TargetError(`--target: http:// (h2c) or https:// (TLS), got ${url.protocol}`);
  const baseUrl = url.origin;
  const nodeOptions = url.protocol === "https:" ? tlsOptions(opts) : {};
  return protocol === "grpc"
    ? createGrpcTransport({ baseUrl, nodeOptions })
    : createConnectTransport({ baseUrl, httpVersion: "2", nodeOptions });
}

export function syncClient(opts: TargetOptions, protocol?: WireProtocol): SyncClient {
  return createClient(SyncService, transportFor(opts, protocol));
}

/**
 * Clients of both protocols with their own HTTP/2 sessions, closed by
 * `close()`: a case's devices connect with their own certificates, and
 * their connections must not outlive the case.
 */
export function openClients(opts: TargetOptions): {
  readonly clients: Record<WireProtocol, SyncClient>;
  close(): void;
} {
  const baseUrl = new URL(opts.url).origin;
  const nodeOptions = new URL(opts.url).protocol === "https:" ? tlsOptions(opts) : {};
  const sessions = [0, 1].map(() => new Http2SessionManager(baseUrl, undefined, nodeOptions));
  const [forConnect, forGrpc] = sessions as [Http2SessionManager, Http2SessionManager];
  return {
    clients: {
      connect: createClient(
        SyncService,
        createConnectTransport({ baseUrl, httpVersion: "2", sessionManager: forConnect }),
      ),
      grpc: createClient(SyncService, createGrpcTransport({ baseUrl, sessionManager: forGrpc })),
    },
    close: () => {
      for (const s of sessions) s.abort();
    },
  };
}

/** Node TLS options for an https:// target: TI-6 settings, the client certificate, the pin. */
export function tlsOptions(opts: TargetOptions) {
  const read = (f: string | undefined) => (f === undefined ? undefined : readFileSync(f));
  const creds = opts.credentials;
  const expected = opts.serverDeviceId?.toLowerCase();
  const ca = opts.serverCertPem ?? read(opts.caFile);
  if (expected !== undefined && ca === undefined)
    throw new TargetError("--server-device-id without --ca: pin the target first (pinTarget)");
  return {
    ...(creds === "none"
      ? {}
      : creds !== undefined
        ? { cert: creds.cert, key: creds.key }
        : { cert: read(opts.certFile), key: read(opts.keyFile) }),
    ca,
    // Peers are named by device id, not host name: the certificate's key
    // must be the expected device's (PROTOCOL.md, transport and identity).
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      if (expected === undefined) return undefined;
      const got = deviceIdOfCert(cert.raw);
      return got === expected
        ? undefined
        : new TargetError(`server certificate is device ${got}, expected ${expected}`);
    },
    ...TLS_SETTINGS,
  };
}
