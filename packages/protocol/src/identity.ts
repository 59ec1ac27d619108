// Device identity (PROTOCOL.md "Transport and identity"): a device id is
// derived from the device's ed25519 public key, so nobody can claim one
// without the key. The transport that authenticated a caller hands its
// device id to the service through `authenticatedDevice`.
import { createContextKey } from "@connectrpc/connect";
import { ID_BYTES } from "./limits.js";
import { sha256Prefix } from "./sha256.js";

/** Raw ed25519 public keys are 32 bytes; signatures 64. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** DER of SubjectPublicKeyInfo for ed25519 (RFC 8410) up to the raw key. */
export const ED25519_SPKI_PREFIX = Uint8Array.of(
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x03,
  0x21,
  0x00,
);

/** The device id of a DER SubjectPublicKeyInfo: its SHA-256, first 16 bytes. */
export function deviceIdFromSpki(spkiDer: Uint8Array): Uint8Array {
  return sha256Prefix(spkiDer, ID_BYTES);
}

/** The DER SubjectPublicKeyInfo of a raw 32-byte ed25519 public key. */
export function ed25519Spki(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new RangeError(`an ed25519 public key is 32 bytes, got ${publicKey.length}`);
  }
  const spki = new Uint8Array(ED25519_SPKI_PREFIX.length + publicKey.length);
  spki.set(ED25519_SPKI_PREFIX);
  spki.set(publicKey, ED25519_SPKI_PREFIX.length);
  return spki;
}

/** The device id of a raw 32-byte ed25519 public key. */
export function deviceIdFromPublicKey(publicKey: Uint8Array): Uint8Array {
  return deviceIdFromSpki(ed25519Spki(publicKey));
}

/**
 * The device id the transport authenticated for this call (mutual TLS), or
 * undefined when it authenticated nobody (cleartext loopback, by choice).
 */
export const authenticatedDevice = createContextKey<Uint8Array | undefined>(undefined, {
  description: "tidemark authenticated device id",
});
