// The engine's Transport port: one Connect client per peer over HTTP/2
// (h2c on 127.0.0.1 or any reachable host), sockets metered.
import { connect as netConnect } from "node:net";
import {
  Code,
  ConnectError,
  type Transport as ConnectTransport,
  createClient,
} from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { SyncClient, Transport } from "@tidemark/engine";
import { MAX_MESSAGE_BYTES, SyncService } from "@tidemark/protocol";
import type { WireMeter } from "./wire-meter.js";

/** A Connect client to one URL (http://host:port), HTTP/2 prior knowledge. */
export function createSyncClient(url: string, meter?: WireMeter): SyncClient {
  const parsed = new URL(url);
  const port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: "2",
    useBinaryFormat: true,
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
    // Detect a dead peer (SIGKILL, cable pulled) within seconds, not minutes.
    pingIntervalMs: 5_000,
    pingTimeoutMs: 5_000,
    idleConnectionTimeoutMs: 60_000,
    nodeOptions:
      meter === undefined || parsed.protocol !== "http:"
        ? {}
        : {
            createConnection: () => {
              const socket = netConnect({ host: parsed.hostname, port });
              meter.track(socket);
              return socket;
            },
          },
  });
  return createClient(SyncService, transport);
}

function unreachable(peer: string): ConnectTransport {
  const fail = () =>
    Promise.reject(new ConnectError(`no address known for peer ${peer}`, Code.Unavailable));
  return { unary: fail, stream: fail };
}

/**
 * deviceId -> URL, with one cached client per peer. A peer with no known
 * URL gets a client whose every call fails with Code.Unavailable.
 */
export class PeerTransport implements Transport {
  private readonly urls = new Map<string, string>();
  private readonly clients = new Map<string, { url: string; client: SyncClient }>();

  constructor(private readonly meter?: WireMeter) {}

  setPeer(deviceId: string, url: string): void {
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
    const client = createSyncClient(url, this.meter);
    this.clients.set(peerDeviceId, { url, client });
    return client;
  }
}
