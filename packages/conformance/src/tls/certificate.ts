// Self-signed certificates for the identities the kit plays (PROTOCOL.md
// §17 TI-1), made by @peculiar/x509 over Node's WebCrypto in the format of
// the reference peer's (apps/node-peer identity/certificate.ts), plus the
// odd ones transport cases present: expired and nameless, or not ed25519.
import "reflect-metadata";
import { createPrivateKey, createPublicKey, type KeyObject, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ED25519 = { name: "Ed25519" } as const;
const P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** DER prefix of a PKCS#8 ed25519 private key; the 32-byte seed follows (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** The ed25519 private key whose RFC 8032 seed is `seed` (32 bytes). */
export function ed25519KeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
}

export type CertificateStyle =
  /** As the reference peer makes them: CN=tidemark, 100 years, the usual extensions. */
  | "reference"
  /** Expired (2000-01-01..02), another subject, no extensions: TI-1 says nothing of that is checked. */
  | "odd";

function serial(): string {
  const s = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  s[0] = (s[0] ?? 0) & 0x7f; // a positive INTEGER
  return s.toString("hex");
}

/** A self-signed certificate (PEM) for an ed25519 private key. */
export async function ed25519Certificate(
  privateKey: KeyObject,
  style: CertificateStyle = "reference",
): Promise<string> {
  const subtle = webcrypto.subtle;
  const keys = {
    privateKey: await subtle.importKey(
      "pkcs8",
      privateKey.export({ type: "pkcs8", format: "der" }),
      ED25519,
      false,
      ["sign"],
    ),
    publicKey: await subtle.importKey(
      "spki",
      createPublicKey(privateKey).export({ type: "spki", format: "der" }),
      ED25519,
      true,
      ["verify"],
    ),
  };
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(now.getUTCFullYear() + 100);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    keys,
    signingAlgorithm: ED25519,
    ...(style === "odd"
      ? {
          name: "CN=not-a-tidemark-name, O=conformance",
          notBefore: new Date("2000-01-01T00:00:00Z"),
          notAfter: new Date("2000-01-02T00:00:00Z"),
          extensions: [],
        }
      : {
          name: "CN=tidemark",
          notBefore: now,
          notAfter,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension(
              [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
              false,
            ),
            new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "tidemark" }]),
          ],
        }),
  });
  return cert.toString("pem");
}

/** A self-signed ECDSA P-256 key and certificate: a certificate that proves no device id (TI-2). */
export async function ecdsaCredentials(): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(P256, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=tidemark",
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
    keys,
    signingAlgorithm: P256,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const key = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  return {
    cert: cert.toString("pem"),
    key: key.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
