// The client side of mutual TLS: present this device's certificate and
// accept the server only if the device id its certificate proves is the
// one pinned for that peer. No CA and no hostname: pinning is the trust.
//
// Node's TLS client has no verify callback, and destroying a socket in a
// secureConnect listener aborts Node 20's http2 natively. So a probe
// handshake first fetches the peer's certificate and checks its device id;
// real connections then trust exactly that certificate (`ca`) and check
// the id again in checkServerIdentity, Node's own path for a bad server.
import { X509Certificate } from "node:crypto";
import { type ConnectionOptions, type PeerCertificate, connect as tlsConnect } from "node:tls";
import { deviceIdOfCertificate } from "../identity/certificate.js";
import { shortFormOf } from "../identity/device-identity.js";

/** What a client presents: this device's key and certificate (PEM). */
export type ClientCredentials = { readonly keyPem: string; readonly certPem: string };

/** The TLS settings every Tidemark connection uses (PROTOCOL.md TI rules). */
export const TLS_SETTINGS = {
  minVersion: "TLSv1.3",
  maxVersion: "TLSv1.3",
  ALPNProtocols: ["h2"],
} as const;

/** PinMismatchError's code: the one spelling callers test (isPinMismatch), never the message. */
export const PIN_MISMATCH = "pin-mismatch";

/** The device at the other end is not the pinned one (or proves none). */
export class PinMismatchError extends Error {
  override readonly name = "PinMismatchError";
  readonly code = PIN_MISMATCH;
  /** The sentence shown to the user (`message` is the same, with nothing added). */
  readonly rawMessage: string;
  constructor(
    readonly address: string,
    readonly expected: string,
    readonly presented: string | undefined,
  ) {
    const rawMessage =
      presented === undefined
        ? `${address} presented no ed25519 device certificate; expected device ${expected} (${shortFormOf(expected)})`
        : `${address} is device ${presented} (${shortFormOf(presented)}), not the pinned ${expected} (${shortFormOf(expected)}): refused`;
    super(rawMessage);
    this.rawMessage = rawMessage;
  }
}

/** Type guard by code, so it holds across duplicated module copies. */
export function isPinMismatch(err: unknown): err is PinMismatchError {
  return err instanceof Error && (err as { code?: unknown }).code === PIN_MISMATCH;
}

/** The pin mismatch `err` is or was caused by (a ConnectError wraps one), if any. */
export function pinMismatchIn(err: unknown): PinMismatchError | undefined {
  // Bounded: a cause chain is short, and a cycle stops at the tenth link.
  let e: unknown = err;
  for (let i = 0; i < 10 && e instanceof Error; i++, e = e.cause) {
    if (isPinMismatch(e)) return e;
  }
  return undefined;
}

/**
 * Handshakes with host:port (presenting `credentials`) only to read the
 * server's certificate; resolves its PEM when it proves `expected`, rejects
 * with a PinMismatchError when not, or with the socket's error.
 */
export function probePeerCertificate(
  host: string,
  port: number,
  credentials: ClientCredentials,
  expected: string,
  timeoutMs = 5_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      key: credentials.keyPem,
      cert: credentials.certPem,
      // Read, not trusted: the device id decides below.
      rejectUnauthorized: false,
      ...TLS_SETTINGS,
    });
    const timer = setTimeout(
      () => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const raw = socket.getPeerCertificate(false)?.raw;
      // end(), not destroy(): the server must read our Finished and
      // certificate, or it sees a reset handshake (and counts a refusal).
      socket.end();
      const presented = raw === undefined ? undefined : deviceIdOfCertificate(raw);
      if (raw === undefined || presented !== expected) {
        reject(new PinMismatchError(`${host}:${port}`, expected, presented));
        return;
      }
      resolve(new X509Certificate(raw).toString());
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** TLS options that trust only `serverCertPem` and check it proves `expected`. */
export function pinnedTlsOptions(
  address: string,
  credentials: ClientCredentials,
  expected: string,
  serverCertPem: string,
): ConnectionOptions {
  return {
    key: credentials.keyPem,
    cert: credentials.certPem,
    ca: [serverCertPem],
    rejectUnauthorized: true,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      const presented = deviceIdOfCertificate(cert.raw);
      return presented === expected
        ? undefined
        : new PinMismatchError(address, expected, presented);
    },
    ...TLS_SETTINGS,
  };
}
