// Made-up devices with real keys, for tests that push as a device of their
// own: the id derives from the key and every change carries its signature
// with the key beside it (PROTOCOL.md §16), as a real origin's would. The
// receiver then judges what the test aims at, not a missing signature.
// Each also has a certificate of that key, so it can call a mutual-TLS peer
// as itself (paired or not): what a compromised device could send.
import { createHash } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ed25519SignerFromSeed } from "@tidemark/engine";
import {
  type Change,
  changeSigningBytes,
  deviceIdFromPublicKey,
  ed25519PrivateKeyFromSeed,
  type StreamBatch,
  StreamBatchSchema,
} from "@tidemark/protocol";
import { selfSignedCertificate } from "@tidemark/protocol/certificate";
import { toHex } from "../../src/ids.js";
import type { ClientCredentials } from "../../src/net/pinned-tls.js";

export type TestDevice = {
  readonly id: Uint8Array;
  /** The id in hex, as pairing and metrics spell it. */
  readonly hex: string;
  readonly publicKey: Uint8Array;
  /** The batches with every change signed by this device and its key carried. */
  signed(library: Uint8Array, batches: MessageInitShape<typeof StreamBatchSchema>[]): StreamBatch[];
  /** Its key and a self-signed certificate of it (made once), for mutual TLS. */
  credentials(): Promise<ClientCredentials>;
};

/** A device whose key is seeded from `label`. */
export function testDevice(label: string): TestDevice {
  const seed = createHash("sha256").update(`tidemark/node-peer-test/${label}`).digest();
  const signer = ed25519SignerFromSeed(new Uint8Array(seed));
  const id = deviceIdFromPublicKey(signer.publicKey);
  let credentials: Promise<ClientCredentials> | undefined;
  return {
    id,
    hex: toHex(id),
    publicKey: signer.publicKey,
    credentials: () => {
      credentials ??= (async () => {
        const key = ed25519PrivateKeyFromSeed(new Uint8Array(seed));
        const certPem = await selfSignedCertificate(key);
        return { keyPem: key.export({ type: "pkcs8", format: "pem" }).toString(), certPem };
      })();
      return credentials;
    },
    signed: (library, batches) =>
      batches.map((init) => {
        const b = create(StreamBatchSchema, init);
        const origin = b.stream?.origin ?? id;
        const resource = b.stream?.resource ?? 0;
        b.changes = b.changes.map((c: Change) => {
          c.signature = signer.sign(changeSigningBytes(library, origin, resource, c));
          return c;
        });
        b.originKey = signer.publicKey;
        return b;
      }),
  };
}
