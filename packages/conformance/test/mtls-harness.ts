// Test harness for cases that need TestControl against a mutual-TLS target:
// node-peer served as the product ships (no --insecure-loopback) with
// `--test-control`, which it then answers to paired devices only; a pool of
// case identities made and paired (`peer add --ids-file`) before it serves.
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deviceIdFromSpki } from "@tidemark/protocol";
import { openHarness, type TargetHarness } from "../src/control/harness.js";
import { addIdentities, IdentityPool } from "../src/identities.js";
import { startNodePeer, tidemarkCommand } from "./node-peer.js";

export type MtlsHarnessedPeer = {
  readonly url: string;
  readonly library: string;
  readonly dir: string;
  /** The target's device id (hex): what its certificate proves. */
  readonly deviceId: string;
  readonly identitiesDir: string;
  readonly identities: IdentityPool;
  readonly harness: TargetHarness;
  stop(): Promise<void>;
};

/** Makes `count` identities in `dir` and pairs them (incoming only) with the node-peer at `data`. */
export async function pairIdentities(
  data: string,
  dir: string,
  count: number,
  argv: readonly string[] = tidemarkCommand(),
): Promise<void> {
  await addIdentities(dir, count);
  const pair = spawnSync(
    process.execPath,
    [...argv, "--data", data, "peer", "add", "--ids-file", join(dir, "device-ids.txt")],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (pair.status !== 0) throw new Error(`tidemark peer add --ids-file failed: ${pair.stderr}`);
}

/** The device id (hex) node-peer's certificate in `data` proves. */
export function nodePeerDeviceId(data: string): string {
  const spki = new X509Certificate(readFileSync(join(data, "device-cert.pem"))).publicKey.export({
    type: "spki",
    format: "der",
  });
  return Buffer.from(deviceIdFromSpki(new Uint8Array(spki))).toString("hex");
}

/** node-peer serving mutual TLS and TestControl, with `identities` paired case identities. */
export async function startMtlsHarnessedPeer(opts: {
  identities: number;
  variant?: string;
}): Promise<MtlsHarnessedPeer> {
  let identitiesDir = "";
  const peer = await startNodePeer({
    ...(opts.variant === undefined ? {} : { variant: opts.variant }),
    serveFlags: ["--test-control"],
    beforeServe: async (dir, argv) => {
      identitiesDir = join(dir, "conformance-identities");
      await pairIdentities(dir, identitiesDir, opts.identities, argv);
    },
  });
  const deviceId = nodePeerDeviceId(peer.dir);
  let harness: TargetHarness;
  try {
    harness = await openHarness({ controlUrl: peer.url, controlTls: { serverDeviceId: deviceId } });
  } catch (err) {
    await peer.stop();
    throw err;
  }
  return {
    ...peer,
    deviceId,
    identitiesDir,
    identities: new IdentityPool(identitiesDir),
    harness,
    stop: async () => {
      await harness.close();
      await peer.stop();
    },
  };
}
