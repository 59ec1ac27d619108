// The engine's Transport port: one Connect client per peer over HTTP/2:
// mutual TLS 1.3 to https URLs with the peer's device id pinned, or h2c to
// a loopback http URL (peers run with --insecure-loopback); sockets metered.
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import {
  Code,
  ConnectError,
  type Transport as ConnectTransport,
  createClient,
} from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { SyncClient, Transport } from "@tidemark/engine";
import { MAX_MESSAGE_BYTES, SyncService } from "@tidemark/protocol";
import {
  type ClientCredentials,
  isPinMismatch,
  pinnedTlsOptions,
  probePeerCertificate,
} from "./net/pinned-tls.js";
import { isLoopbackHost } from "./test-control/loopback.js";
import type { WireMeter } from "./wire-meter.js";

export type SyncClientOptions = {
  readonly meter?: WireMeter;
  /** This device's key and certificate, presented to https peers. */
  readonly credentials?: ClientCredentials;
  /** The device id (hex) an https peer must prove. */
  readonly expectDevice?: string;
};

function failing(message: string, code = Code.FailedPrecondition): ConnectTransport {
  const fail = () => Promise.reject(new ConnectError(message, code));
  return { unary: fail, stream: fail };
}

function baseOptions(url: string) {
  return {
    baseUrl: url,
    httpVersion: "2" as const,
    useBinaryFormat: true,
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
    // Detect a dead peer (SIGKILL, cable pulled) within seconds, not minutes.
    pingIntervalMs: 5_000,
    pingTimeoutMs: 5_000,
    idleConnectionTimeoutMs: 60_000,
  };
}

/**
 * Mutual TLS to a pinned device: the first call probes the server's
 * certificate (net/pinned-tls.ts), later connections trust only it. A
 * failed call drops the probe, so a peer that made a new certificate (same
 * key) is probed again.
 */
function pinnedTransport(
  url: string,
  host: string,
  port: number,
  credentials: ClientCredentials,
  expect: string,
  meter: WireMeter | undefined,
): ConnectTransport {
  let inner: Promise<ConnectTransport> | undefined;
  const address = `${host}:${port}`;
  const get = () => {
    inner ??= probePeerCertificate(host, port, credentials, expect).then(
      (certPem) => {
        const options = pinnedTlsOptions(address, credentials, expect, certPem);
        return createConnectTransport({
          ...baseOptions(url),
          nodeOptions: {
            ...options,
            createConnection: () => {
              const socket = tlsConnect({ host, port, ...options });
              meter?.track(socket);
              return socket;
            },
          },
        });
      },
      (err: unknown) => {
        inner = undefined;
        throw isPinMismatch(err)
          ? new ConnectError(err.rawMessage, Code.PermissionDenied, undefined, undefined, err)
          : ConnectError.from(err, Code.Unavailable);
      },
    );
    return inner;
  };
  // Only a failed connection drops the probe: a peer that answers with an
  // error (not paired yet, another library) keeps its checked certificate.
  const dropOnFailure = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      if (ConnectError.from(err).code === Code.Unavailable) inner = undefined;
      throw err;
    });
  return {
    unary: (...args) => dropOnFailure(get().then((t) => t.unary(...args))),
    stream: (...args) => dropOnFailure(get().then((t) => t.stream(...args))),
  };
}

/**
 * A Connect client to one URL, HTTP/2. An https URL needs credentials and
 * the pinned device id; an http URL is only allowed to a loopback host.
 */
export function createSyncClient(url: string, opts: SyncClientOptions = {}): SyncClient {
  const parsed = new URL(url);
  const tls = parsed.protocol === "https:";
  const port = Number(parsed.port || (tls ? 443 : 80));
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const { credentials, expectDevice, meter } = opts;
  if (tls) {
    if (credentials === undefined || expectDevice === undefined) {
      return createClient(
        SyncService,
        failing(`${url}: https needs this device's certificate and the peer's pinned device id`),
      );
    }
    return createClient(
      SyncService,
      pinnedTransport(url, host, port, credentials, expectDevice, meter),
    );
  }
  if (!isLoopbackHost(host)) {
    return createClient(
      SyncService,
      failing(`${url}: cleartext is refused to a non-loopback host; use https (mutual TLS)`),
    );
  }
  const transport = createConnectTransport({
    ...baseOptions(url),
    nodeOptions: {
      createConnection: () => {
        const socket = netConnect({ host, port });
        meter?.track(socket);
        return socket;
      },
    },
  });
  return createClient(SyncService, transport);
}

function unreachable(peer: string): ConnectTransport {
  return failing(`no address known for peer ${peer}`, Code.Unavailable);
}

/**
 * deviceId -> URL, with one cached client per peer. A peer with no known
 * URL gets a client whose every call fails with Code.Unavailable.
 */
export class PeerTransport implements Transport {
  private readonly urls = new Map<string, string>();
  private readonly clients = new Map<string, { url: string; client: SyncClient }>();

  constructor(
    private readonly meter?: WireMeter,
    private readonly credentials?: ClientCredentials,
  ) {}

  setPeer(deviceId: string, url: string): void {
    // "" = paired for incoming calls only (`peer add --device-id` without URL).
    if (url === "") {
      this.removePeer(deviceId);
      return;
    }
    this.urls.set(deviceId, url);
    const cached = this.clients.get(deviceId);
    if (cached !== undefined && cached.url !== url) this.clients.delete(deviceId);
  }

  removePeer(deviceId: string): void {
    this.urls.delete(deviceId);
    this.clients.delete(deviceId);
  }

  urlOf(deviceId: string): string | undefined {
    return this.urls.get(deviceId);
  }

  client(peerDeviceId: string): SyncClient {
    const url = this.urls.get(peerDeviceId);
    if (url === undefined) return createClient(SyncService, unreachable(peerDeviceId));
    const cached = this.clients.get(peerDeviceId);
    if (cached !== undefined) return cached.client;
    const client = createSyncClient(url, {
      ...(this.meter === undefined ? {} : { meter: this.meter }),
      ...(this.credentials === undefined ? {} : { credentials: this.credentials }),
      expectDevice: peerDeviceId,
    });
    this.clients.set(peerDeviceId, { url, client });
    return client;
  }
}
