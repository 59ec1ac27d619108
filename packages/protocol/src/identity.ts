// Device identity (PROTOCOL.md "Transport and identity"): a device id is
// derived from the device's ed25519 public key, so nobody can claim one
// without the key. The transport that authenticated a caller hands its
// device id to the service through `authenticatedDevice`.
import { createPrivateKey, type KeyObject } from "node:crypto";
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

/** PKCS#8 DER of an ed25519 private key (RFC 8410) up to the 32-byte seed. */
const ED25519_PKCS8_SEED_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

/** The ed25519 private key of a 32-byte seed (RFC 8032 §5.1.5). */
export function ed25519PrivateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) {
    throw new RangeError(`an ed25519 seed is 32 bytes, got ${seed.length}`);
  }
  const der = new Uint8Array(ED25519_PKCS8_SEED_PREFIX.length + 32);
  der.set(ED25519_PKCS8_SEED_PREFIX);
  der.set(seed, ED25519_PKCS8_SEED_PREFIX.length);
  return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
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

/** RFC 4648 base32 alphabet: the short form's digits. */
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** Base32 digits of a 16-byte id (128 bits, the last digit padded with zero bits). */
const ID_BASE32_DIGITS = 26;
const SHORT_FORM_GROUP = 7;

function base32(bytes: Uint8Array): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string, bytes: number): Uint8Array | undefined {
  const out = new Uint8Array(bytes);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const ch of text) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return undefined;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (n < bytes) out[n++] = (acc >>> bits) & 0xff;
    }
  }
  // The padding bits of the last digit must be zero (one spelling per id).
  return n === bytes && (acc & ((1 << bits) - 1)) === 0 ? out : undefined;
}

/** Luhn mod 32 check digit over base32 digits, as Syncthing computes it. */
function luhn32(digits: string): string {
  let factor = 1;
  let sum = 0;
  for (const ch of digits) {
    const addend = factor * BASE32.indexOf(ch);
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return BASE32[(32 - (sum % 32)) % 32] as string;
}

/**
 * The short form people compare and type (PROTOCOL.md "Transport and
 * identity"): base32 of the 16-byte id (26 digits), each 13-digit half
 * followed by its Luhn mod 32 check digit, in 4 groups of 7 joined by "-".
 */
export function deviceIdShortForm(id: Uint8Array): string {
  if (id.length !== ID_BYTES) throw new RangeError(`a device id is 16 bytes, got ${id.length}`);
  const digits = base32(id);
  const half = ID_BASE32_DIGITS / 2;
  const a = digits.slice(0, half);
  const b = digits.slice(half);
  const checked = `${a}${luhn32(a)}${b}${luhn32(b)}`;
  const groups: string[] = [];
  for (let i = 0; i < checked.length; i += SHORT_FORM_GROUP) {
    groups.push(checked.slice(i, i + SHORT_FORM_GROUP));
  }
  return groups.join("-");
}

/**
 * The device id a short form spells, or undefined when it is not one (a
 * wrong length, a digit outside base32, a failed check digit: a typo).
 * Case, spaces and dashes are ignored.
 */
export function parseDeviceIdShortForm(text: string): Uint8Array | undefined {
  const clean = text.toUpperCase().replace(/[\s-]/g, "");
  const half = ID_BASE32_DIGITS / 2;
  if (clean.length !== ID_BASE32_DIGITS + 2) return undefined;
  const a = clean.slice(0, half);
  const b = clean.slice(half + 1, half + 1 + half);
  if (clean[half] !== luhn32(a) || clean[half * 2 + 1] !== luhn32(b)) return undefined;
  return unbase32(a + b, ID_BYTES);
}
