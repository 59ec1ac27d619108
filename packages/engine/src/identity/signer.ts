// The key a replica signs its own changes with (PROTOCOL.md "Change
// signatures"). Hosts hand the replica a ChangeSigner; the engine never
// reads key files. node:crypto's ed25519 does the work.
import { createPublicKey, type KeyObject, sign } from "node:crypto";
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  ed25519PrivateKeyFromSeed,
} from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";

/** Signs what this device writes; its public key derives the device id. */
export type ChangeSigner = {
  /** Raw 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** A 64-byte ed25519 signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
};

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

/** A signer from a 32-byte seed (simulator devices, tests, vectors). */
export function ed25519SignerFromSeed(seed: Uint8Array): ChangeSigner {
  return ed25519Signer(ed25519PrivateKeyFromSeed(seed));
}
