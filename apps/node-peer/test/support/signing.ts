// Made-up devices with real keys, for tests that push as a device of their
// own: the id derives from the key and every change carries its signature
// with the key beside it (PROTOCOL.md §16), as a real origin's would. The
// receiver then judges what the test aims at, not a missing signature.
import { createHash } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ed25519SignerFromSeed } from "@tidemark/engine";
import {
  type Change,
  changeSigningBytes,
  deviceIdFromPublicKey,
  type StreamBatch,
  StreamBatchSchema,
} from "@tidemark/protocol";

export type TestDevice = {
  readonly id: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The batches with every change signed by this device and its key carried. */
  signed(library: Uint8Array, batches: MessageInitShape<typeof StreamBatchSchema>[]): StreamBatch[];
};

/** A device whose key is seeded from `label`. */
export function testDevice(label: string): TestDevice {
  const seed = createHash("sha256").update(`tidemark/node-peer-test/${label}`).digest();
  const signer = ed25519SignerFromSeed(new Uint8Array(seed));
  const id = deviceIdFromPublicKey(signer.publicKey);
  return {
    id,
    publicKey: signer.publicKey,
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
