// Calling an in-process peer on its mutual-TLS listener as some device:
// a Connect client over the product's own pinned transport, or options for
// a raw node:http2 session, each presenting that device's certificate and
// trusting only the target's. Whether the call gets in is the target's
// business (its caller gate and pairing), which is what tests aim at.
import type { SecureClientSessionOptions } from "node:http2";
import type { SyncClient } from "@tidemark/engine";
import { fromHex } from "../../src/ids.js";
import { type ClientCredentials, pinnedTlsOptions } from "../../src/net/pinned-tls.js";
import { createSyncClient } from "../../src/transport.js";
import type { InProcessPeer } from "./in-process-peer.js";
import type { TestDevice } from "./signing.js";

/** A peer's own key and certificate: how it calls others. */
export function credentialsOf(p: InProcessPeer): ClientCredentials {
  return { keyPem: p.node.identity.keyPem, certPem: p.node.identity.certPem };
}

/** A client to `target` presenting `credentials`, pinning the target's device id. */
export function clientAs(target: InProcessPeer, credentials: ClientCredentials): SyncClient {
  return createSyncClient(target.url, { credentials, expectDevice: target.deviceId });
}

/** node:http2 connect options for `target` (raw requests) presenting `credentials`. */
export function rawTlsAs(
  target: InProcessPeer,
  credentials: ClientCredentials,
): SecureClientSessionOptions {
  const { host } = new URL(target.url);
  return pinnedTlsOptions(host, credentials, target.deviceId, target.node.identity.certPem);
}

/**
 * Pairs `device` with `victim` for incoming calls (`peer add --device-id`):
 * it may call, it is never dialled. It then sends its (empty) watermarks,
 * as a device does once paired, so the victim's own new commits do not
 * wait on it (PROTOCOL.md §3.7); returns its client.
 */
export async function pairCaller(victim: InProcessPeer, device: TestDevice): Promise<SyncClient> {
  victim.node.pinIncoming([device.hex]);
  const client = clientAs(victim, await device.credentials());
  await client.exchangeWatermarks(
    { libraryId: fromHex(victim.libraryId), deviceId: device.id, watermarks: [] },
    { timeoutMs: 20_000 },
  );
  return client;
}
