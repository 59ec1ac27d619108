// The kit's one home for change signatures (PROTOCOL.md §16): device keys
// made per run, the id each derives (SG-3), and signing a change as its
// stream's origin. Cases and client scenarios never sign by hand.
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { type ChangeSigner, ed25519SignerFromSeed } from "@tidemark/engine";
import {
  type Change,
  ChangeSchema,
  changeSigningBytes,
  deviceIdFromPublicKey,
  headSigningBytes,
  type StreamHead,
  StreamHeadSchema,
  type StreamId,
} from "@tidemark/protocol";

/** A device the kit plays: its key, and the id that key derives. */
export type DeviceKey = { readonly id: Uint8Array; readonly signer: ChangeSigner };

/** A fresh ed25519 key (random seed) and its device id. */
export function newDeviceKey(): DeviceKey {
  const signer = ed25519SignerFromSeed(new Uint8Array(randomBytes(32)));
  return { id: deviceIdFromPublicKey(signer.publicKey), signer };
}

/** The ed25519 signature of `change` as a change of `stream` in `library` (SG-1, SG-2). */
export function signatureOf(
  signer: ChangeSigner,
  library: Uint8Array,
  stream: StreamId,
  change: Change,
): Uint8Array {
  return signer.sign(changeSigningBytes(library, stream.origin, stream.resource, change));
}

/** `change` signed by `signer` (its origin's key, for an honest change). */
export function signedChange(
  signer: ChangeSigner,
  library: Uint8Array,
  stream: StreamId,
  change: Change,
): Change {
  return create(ChangeSchema, {
    ...change,
    signature: signatureOf(signer, library, stream, change),
  });
}

/**
 * A head statement (SG-9) that `stream`'s head is `seq`, signed by
 * `signer` and carrying `originKey` (the origin's key: a head signed by
 * any other key is a forgery a receiver must not believe, SG-10).
 */
export function headStatement(
  signer: ChangeSigner,
  originKey: Uint8Array,
  library: Uint8Array,
  stream: StreamId,
  seq: bigint,
): StreamHead {
  return create(StreamHeadSchema, {
    seq,
    signature: signer.sign(headSigningBytes(library, stream.origin, stream.resource, seq)),
    originKey,
  });
}
