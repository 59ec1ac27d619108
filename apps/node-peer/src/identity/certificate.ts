// The device's self-signed X.509 certificate (PROTOCOL.md "Transport and
// identity"): made by @peculiar/x509 over Node's WebCrypto, never by hand.
// It only carries the ed25519 public key; pinning the device id derived
// from that key is the trust, so names, dates and CA bits are not checked.
import "reflect-metadata";
import { createPublicKey, type KeyObject, webcrypto, X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { deviceIdFromSpki } from "@tidemark/protocol";
import { toHex } from "../ids.js";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ED25519 = { name: "Ed25519" } as const;
/** The name every Tidemark certificate carries (like Syncthing's "syncthing"). */
export const CERT_NAME = "tidemark";
/** Validity: a pinned key is the trust, not dates; long enough never to lapse. */
const VALID_YEARS = 100;

/** A self-signed certificate (PEM) for the ed25519 key pair. */
export async function selfSignedCertificate(
  privateKey: KeyObject,
  publicKey: KeyObject,
  now = new Date(),
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
      publicKey.export({ type: "spki", format: "der" }),
      ED25519,
      true,
      ["verify"],
    ),
  };
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(now.getUTCFullYear() + VALID_YEARS);
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive INTEGER
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString("hex"),
    name: `CN=${CERT_NAME}`,
    notBefore: now,
    notAfter,
    keys,
    signingAlgorithm: ED25519,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: CERT_NAME }]),
    ],
  });
  return cert.toString("pem");
}

/**
 * The device id (hex) a peer's certificate proves, or undefined when it
 * does not carry an ed25519 key (TI rules: only ed25519 identities).
 */
export function deviceIdOfCertificate(der: Uint8Array): string | undefined {
  let key: KeyObject;
  try {
    key = new X509Certificate(der).publicKey;
  } catch {
    return undefined;
  }
  if (key.asymmetricKeyType !== "ed25519") return undefined;
  return toHex(deviceIdFromSpki(key.export({ type: "spki", format: "der" })));
}

/** The device id (hex) of an ed25519 public key. */
export function deviceIdOfKey(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return toHex(deviceIdFromSpki(publicKey.export({ type: "spki", format: "der" })));
}
