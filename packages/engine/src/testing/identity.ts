// Test devices with real keys: the id derives from the key, as on a peer.
import { createHash } from "node:crypto";
import { deviceIdFromPublicKey } from "@tidemark/protocol";
import { type ChangeSigner, ed25519SignerFromSeed } from "../identity/signer.js";
import { idToHex } from "../store/ids.js";

export type TestIdentity = { readonly deviceId: string; readonly signer: ChangeSigner };

/** A device whose key is seeded from `label` (same label, same device). */
export function testIdentity(label: string): TestIdentity {
  const seed = new Uint8Array(
    createHash("sha256").update(`tidemark/test-device/${label}`).digest(),
  );
  const signer = ed25519SignerFromSeed(seed);
  return { deviceId: idToHex(deviceIdFromPublicKey(signer.publicKey)), signer };
}
