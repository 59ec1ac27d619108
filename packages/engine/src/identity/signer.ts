// The key a replica signs its own changes with (PROTOCOL.md "Change
// signatures"). Hosts hand the replica a ChangeSigner; the engine never
// reads key files. node:crypto's ed25519 does the work.
import { createPrivateKey, createPublicKey, type KeyObject, sign } from "node:crypto";
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES } from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";

/** Signs what this device writes; its public key derives the device id. */
export type ChangeSigner = {
  /** Raw 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** A 64-byte ed25519 signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
};

/** PKCS#8 DER of an ed25519 private key (RFC 8410) up to the 32-byte seed. */
const PKCS8_SEED_PREFIX = Uint8Array.of(
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

/** The raw 32-byte public key of an ed25519 KeyObject (private or public). */
export function ed25519RawPublicKey(key: KeyObject): Uint8Array {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== "ed25519") {
    throw new EngineError(EngineErrorCode.Invalid, "the device key must be ed25519", {
      keyType: pub.asymmetricKeyType ?? "unknown",
    });
  }
  const der = new Uint8Array(pub.export({ format: "der", type: "spki" }));
  return der.slice(der.length - ED25519_PUBLIC_KEY_BYTES);
}

/** A signer over an ed25519 private KeyObject (e.g. the device's certificate key). */
export function ed25519Signer(privateKey: KeyObject): ChangeSigner {
  if (privateKey.type !== "private") {
    throw new EngineError(EngineErrorCode.Invalid, "a signer needs the private key", {});
  }
  const publicKey = ed25519RawPublicKey(privateKey);
  return {
    publicKey,
    sign: (message) => {
      const sig = new Uint8Array(sign(null, message, privateKey));
      if (sig.length !== ED25519_SIGNATURE_BYTES) {
        throw new EngineError(EngineErrorCode.Internal, "ed25519 signature of unexpected size", {
          bytes: sig.length,
        });
      }
      return sig;
    },
  };
}

/** The ed25519 private key of a 32-byte seed (RFC 8032 §5.1.5). */
export function ed25519PrivateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) {
    throw new EngineError(EngineErrorCode.Invalid, "an ed25519 seed is 32 bytes", {
      bytes: seed.length,
    });
  }
  const der = new Uint8Array(PKCS8_SEED_PREFIX.length + 32);
  der.set(PKCS8_SEED_PREFIX);
  der.set(seed, PKCS8_SEED_PREFIX.length);
  return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
}

/** A signer from a 32-byte seed (simulator devices, tests, vectors). */
export function ed25519SignerFromSeed(seed: Uint8Array): ChangeSigner {
  return ed25519Signer(ed25519PrivateKeyFromSeed(seed));
}
