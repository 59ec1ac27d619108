// How the runner reaches a peer: the Connect protocol or gRPC, over HTTP/2
// — cleartext with prior knowledge (h2c) for http:// targets, TLS for
// https:// ones, optionally with a client certificate and a check that the
// server's certificate key is the expected device (PROTOCOL.md TR, TI).
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { PeerCertificate } from "node:tls";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { deviceIdFromSpki, SyncService } from "@tidemark/protocol";

export type WireProtocol = "connect" | "grpc";

export type TargetOptions = {
  readonly url: string;
  readonly protocol: WireProtocol;
  /** PEM files of the runner's client certificate and key (mutual TLS). */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** PEM file of the CA (or the peer's self-signed certificate) to trust. */
  readonly caFile?: string;
  /** The device id (32 hex) the server's certificate key must derive to. */
  readonly serverDeviceId?: string;
};

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

function tlsOptions(opts: TargetOptions) {
  const read = (f: string | undefined) => (f === undefined ? undefined : readFileSync(f));
  const expected = opts.serverDeviceId?.toLowerCase();
  return {
    cert: read(opts.certFile),
    key: read(opts.keyFile),
    ca: read(opts.caFile),
    // Peers are named by device id, not host name: the certificate's key
    // must be the expected device's (PROTOCOL.md, transport and identity).
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      if (expected === undefined) return undefined;
      const spki = new X509Certificate(cert.raw).publicKey.export({ type: "spki", format: "der" });
      const got = Buffer.from(deviceIdFromSpki(new Uint8Array(spki))).toString("hex");
      return got === expected
        ? undefined
        : new TargetError(`server certificate is device ${got}, expected ${expected}`);
    },
    ...(expected === undefined ? {} : { rejectUnauthorized: opts.caFile !== undefined }),
  };
}
