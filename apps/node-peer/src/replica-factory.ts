// The one place the host constructs the engine's Replica: it signs with
// the device's own key, and believes callers' claimed ids only when the
// listener is cleartext loopback (--insecure-loopback) by choice.
import { ed25519Signer, openReplica, type Replica, type ReplicaOptions } from "@tidemark/engine";
import type { DeviceIdentity } from "./identity/device-identity.js";

/** Opens (and migrates) the replica on `opts.db`, resuming from stored cursors. */
export async function openEngineReplica(
  opts: Omit<ReplicaOptions, "signer" | "callers"> & {
    readonly identity: DeviceIdentity;
    readonly insecureLoopback: boolean;
  },
): Promise<Replica> {
  const { identity, insecureLoopback, ...rest } = opts;
  return openReplica({
    ...rest,
    signer: ed25519Signer(identity.privateKey),
    callers: insecureLoopback ? "claimed" : "authenticated",
  });
}
