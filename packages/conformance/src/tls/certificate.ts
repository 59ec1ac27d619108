// Self-signed certificates for the identities the kit plays (PROTOCOL.md
// §17 TI-1): the reference format (@tidemark/protocol/certificate), plus
// the odd ones transport cases present: expired and nameless, or not ed25519.
import "reflect-metadata";
import { createPrivateKey, type KeyObject, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import {
  type CertificateFields,
  randomSerial,
  referenceFields,
  selfSignedCertificate,
} from "@tidemark/protocol/certificate";

const P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export type CertificateStyle =
  /** As the reference peer makes them: CN=tidemark, 100 years, the usual extensions. */
  | "reference"
  /** Expired (2000-01-01..02), another subject, no extensions: TI-1 says nothing of that is checked. */
  | "odd";

const ODD: CertificateFields = {
  name: "CN=not-a-tidemark-name, O=conformance",
  notBefore: new Date("2000-01-01T00:00:00Z"),
  notAfter: new Date("2000-01-02T00:00:00Z"),
  bare: true,
};

/** A self-signed certificate (PEM) for an ed25519 private key. */
export function ed25519Certificate(
  privateKey: KeyObject,
  style: CertificateStyle = "reference",
): Promise<string> {
  return selfSignedCertificate(privateKey, style === "odd" ? ODD : referenceFields());
}

/** A self-signed ECDSA P-256 key and certificate: a certificate that proves no device id (TI-2). */
export async function ecdsaCredentials(): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(P256, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
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
