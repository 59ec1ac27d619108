// A bare TLS handshake with the target, for the transport cases of
// PROTOCOL.md §17.3 (TI-6, TI-1/TI-2 of the server's certificate): which
// version and ALPN protocol the server agrees to, and the certificate it
// shows. Nothing is sent over the connection except, when no ALPN was
// agreed, one HTTP/1.1 request to see whether the server answers it.
import { X509Certificate } from "node:crypto";
import { type ConnectionOptions, connect } from "node:tls";
import { deviceIdFromSpki } from "@tidemark/protocol";

export type HandshakeOutcome =
  | {
      readonly handshake: "ok";
      readonly version: string;
      /** The agreed ALPN protocol; "http/1.1" also when one was answered without ALPN. */
      readonly alpn: string | undefined;
      readonly serverCert: ServerCertFacts | undefined;
    }
  | { readonly handshake: "refused"; readonly why: string };

export type ServerCertFacts = {
  readonly keyType: string | undefined;
  /** Hex device id of its key (TI-2), undefined for a key that is not ed25519. */
  readonly deviceId: string | undefined;
  /** Its signature verifies with its own key (TI-1). */
  readonly selfSigned: boolean;
};

export type HandshakeOptions = {
  readonly url: string;
  readonly maxVersion: "TLSv1.2" | "TLSv1.3";
  readonly alpn: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  readonly timeoutMs: number;
};

function certFacts(raw: Buffer): ServerCertFacts {
  const cert = new X509Certificate(raw);
  const keyType = cert.publicKey.asymmetricKeyType;
  return {
    keyType,
    deviceId:
      keyType === "ed25519"
        ? Buffer.from(
            deviceIdFromSpki(
              new Uint8Array(cert.publicKey.export({ type: "spki", format: "der" })),
            ),
          ).toString("hex")
        : undefined,
    selfSigned: cert.verify(cert.publicKey),
  };
}

/** One TLS connection as `opts` says; resolves with what the server agreed to (never rejects). */
export function probeHandshake(opts: HandshakeOptions): Promise<HandshakeOutcome> {
  const url = new URL(opts.url);
  const settings: ConnectionOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port || 443),
    // Read, not trusted: the cases check the certificate's key themselves.
    rejectUnauthorized: false,
    minVersion: opts.maxVersion,
    maxVersion: opts.maxVersion,
    ALPNProtocols: [...opts.alpn],
    ...(opts.cert === undefined ? {} : { cert: opts.cert, key: opts.key }),
  };
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect(settings);
    const finish = (o: HandshakeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () => finish({ handshake: "refused", why: `nothing within ${opts.timeoutMs} ms` }),
      opts.timeoutMs,
    );
    socket.once("error", (e) => finish({ handshake: "refused", why: e.message }));
    socket.once("close", () => finish({ handshake: "refused", why: "connection closed" }));
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate(false)?.raw;
      const ok = (alpn: string | undefined) => ({
        handshake: "ok" as const,
        version: socket.getProtocol() ?? "?",
        alpn,
        serverCert: raw === undefined ? undefined : certFacts(raw),
      });
      if (typeof socket.alpnProtocol === "string") return finish(ok(socket.alpnProtocol));
      // No ALPN agreed: does the server still answer HTTP/1.1?
      socket.once("data", (d: Buffer) =>
        finish(
          d.toString("latin1").startsWith("HTTP/1.")
            ? ok("http/1.1")
            : { handshake: "refused", why: "no ALPN and no HTTP/1.1 answer" },
        ),
      );
      socket.write(`GET / HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
    });
  });
}
