// The one place the host constructs the engine's Replica.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  type ChangeSigner,
  ed25519Signer,
  openReplica,
  type Replica,
  type ReplicaOptions,
} from "@tidemark/engine";
import { deviceIdFromSpki } from "@tidemark/protocol";
import { toHex } from "./ids.js";

/** The device id of an ed25519 public key (SPKI PEM): the engine refuses any other. */
export function deviceIdFromPublicKeyPem(pem: string): string {
  const der = createPublicKey(pem).export({ type: "spki", format: "der" });
  return toHex(deviceIdFromSpki(new Uint8Array(der)));
}

/** The signer of the device's ed25519 key (PKCS#8 PEM, written at init). */
export function loadDeviceSigner(privateKeyFile: string): ChangeSigner {
  return ed25519Signer(createPrivateKey(readFileSync(privateKeyFile)));
}

/**
 * Opens (and migrates) the replica on `opts.db`, resuming from stored
 * cursors. The server is cleartext today, so callers are who they claim
 * to be (`claimed`) until the transport authenticates them (mutual TLS).
 */
export async function openEngineReplica(
  opts: Omit<ReplicaOptions, "signer"> & { readonly privateKeyFile: string },
): Promise<Replica> {
  const { privateKeyFile, ...rest } = opts;
  return openReplica({
    callers: "claimed",
    ...rest,
    signer: loadDeviceSigner(privateKeyFile),
  });
}
