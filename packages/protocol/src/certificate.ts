// The device certificate of PROTOCOL.md §17.1 (TI-1): self-signed X.509
// carrying the device's ed25519 public key, made by @peculiar/x509 over
// Node's WebCrypto. Pinning the device id derived from the key is the
// trust, so names, dates and CA bits are only what peers conventionally
// send. One home for the reference format: node-peer makes its own with
// it, the conformance kit the identities it plays.
import "reflect-metadata";
import { createPublicKey, type KeyObject, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ED25519 = { name: "Ed25519" } as const;
/** The name every Tidemark certificate carries (like Syncthing's "syncthing"). */
export const CERT_NAME = "tidemark";
/** Validity: a pinned key is the trust, not dates; long enough never to lapse. */
const VALID_YEARS = 100;

/** What a certificate says besides its key; `reference` is what peers send. */
export type CertificateFields = {
  readonly name: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Leave out the usual extensions (basic constraints, key usage, SAN). */
  readonly bare?: boolean;
};

/** The reference fields: CN=tidemark, valid from `now` for 100 years, usual extensions. */
export function referenceFields(now = new Date()): CertificateFields {
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(now.getUTCFullYear() + VALID_YEARS);
  return { name: `CN=${CERT_NAME}`, notBefore: now, notAfter };
}

/** A random positive 128-bit serial number, hex. */
export function randomSerial(): string {
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive INTEGER
  return serial.toString("hex");
}

function extensions(): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(
      [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
      false,
    ),
    new x509.SubjectAlternativeNameExtension([{ type: "dns", value: CERT_NAME }]),
  ];
}

/** A self-signed certificate (PEM) for an ed25519 private key. */
export async function selfSignedCertificate(
  privateKey: KeyObject,
  fields: CertificateFields = referenceFields(),
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
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: fields.name,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    keys,
    signingAlgorithm: ED25519,
    extensions: fields.bare === true ? [] : extensions(),
  });
  return cert.toString("pem");
}
