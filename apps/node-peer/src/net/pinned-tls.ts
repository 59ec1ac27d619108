// The client side of mutual TLS: present this device's certificate and
// accept the server only if the device id its certificate proves is the
// one pinned for that peer. No CA and no hostname: pinning is the trust.
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { shortFormOf } from "../identity/device-identity.js";
import { deviceIdOfCertificate } from "../identity/certificate.js";

/** What a client presents: this device's key and certificate (PEM). */
export type ClientCredentials = { readonly keyPem: string; readonly certPem: string };

/** The TLS settings every Tidemark connection uses (PROTOCOL.md TI rules). */
export const TLS_SETTINGS = {
  minVersion: "TLSv1.3",
  maxVersion: "TLSv1.3",
  ALPNProtocols: ["h2"],
} as const;

/** The device at the other end is not the pinned one (or proves none). */
export class PinMismatchError extends Error {
  override readonly name = "PinMismatchError";
  constructor(
    readonly address: string,
    readonly expected: string,
    readonly presented: string | undefined,
  ) {
    super(
      presented === undefined
        ? `${address} presented no ed25519 device certificate; expected device ${expected} (${shortFormOf(expected)})`
        : `${address} is device ${presented} (${shortFormOf(presented)}), not the pinned ${expected} (${shortFormOf(expected)}): refused`,
    );
  }
}

/**
 * Opens a TLS 1.3 socket to host:port offering ALPN h2 and destroys it with
 * a PinMismatchError unless the server proves device `expected`. The check
 * runs before HTTP/2 sends a byte (http2 waits for secureConnect too).
 */
export function pinnedTlsSocket(
  host: string,
  port: number,
  credentials: ClientCredentials,
  expected: string,
): TLSSocket {
  const socket = tlsConnect({
    host,
    port,
    key: credentials.keyPem,
    cert: credentials.certPem,
    // The chain is self-signed by design; the pin below is the check.
    rejectUnauthorized: false,
    ...TLS_SETTINGS,
  });
  socket.once("secureConnect", () => {
    const cert = socket.getPeerCertificate(false);
    const presented =
      cert !== null && "raw" in cert && cert.raw !== undefined
        ? deviceIdOfCertificate(cert.raw)
        : undefined;
    if (presented !== expected) {
      socket.destroy(new PinMismatchError(`${host}:${port}`, expected, presented));
    }
  });
  return socket;
}
