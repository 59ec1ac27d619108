// Device ids from certificates and keys (PROTOCOL.md "Transport and
// identity"). The certificate itself is made by @tidemark/protocol's
// reference format (`@tidemark/protocol/certificate`).
import { createPublicKey, type KeyObject, X509Certificate } from "node:crypto";
import { deviceIdFromSpki } from "@tidemark/protocol";
import { toHex } from "../ids.js";

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
