// Deterministic ids for simulated devices, libraries and rows.
import { createHash, createPublicKey, type KeyObject, sign } from "node:crypto";
import { deviceIdFromPublicKey, ed25519PrivateKeyFromSeed } from "@tidemark/protocol";
import type { Prng } from "./prng.js";

/** A UUIDv7 from a virtual wall-clock time and the given PRNG. */
export function uuidv7(nowMs: number, rng: Prng): Uint8Array {
  const id = rng.bytes16();
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    id[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  id[6] = 0x70 | ((id[6] as number) & 0x0f);
  id[8] = 0x80 | ((id[8] as number) & 0x3f);
  return id;
}

/**
 * The 32-byte ed25519 seed of device `index`'s key. Fixed per index (not
 * per run seed), so a device's id — derived from its key as on a real
 * peer — reads the same in every trace and log.
 */
export function deviceKeySeedOf(index: number): Uint8Array {
  return new Uint8Array(createHash("sha256").update(`tidemark/sim/device-key/${index}`).digest());
}

const ids = new Map<number, string>();

function privateKeyOf(index: number): KeyObject {
  return ed25519PrivateKeyFromSeed(deviceKeySeedOf(index));
}

/** The raw 32-byte public key of device `index`. */
export function devicePublicKeyOf(index: number): Uint8Array {
  const spki = createPublicKey(privateKeyOf(index)).export({ format: "der", type: "spki" });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

/** Device `index`'s ed25519 signature of `message` (forging actors sign with their own key). */
export function signAs(index: number, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyOf(index)));
}

/** Device `index`'s id: derived from its public key (PROTOCOL.md "Transport and identity"). */
export function deviceIdOf(index: number): string {
  let id = ids.get(index);
  if (id === undefined) {
    id = Buffer.from(deviceIdFromPublicKey(devicePublicKeyOf(index))).toString("hex");
    ids.set(index, id);
  }
  return id;
}

export const LIBRARY_ID = "11b0000000000000000000000000a001";
/** A second library: a scenario's `foreign` devices hold it (paired in by mistake). */
export const FOREIGN_LIBRARY_ID = "11b0000000000000000000000000b002";
