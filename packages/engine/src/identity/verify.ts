// Receivers check every change against its origin's signature before it
// is applied (PROTOCOL.md "Change signatures"), whoever relayed it. The
// origin's key travels with the changes (self-certifying: it must derive
// the stream's origin id) or is the one stored from an earlier message.
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import {
  type Change,
  changeSigningBytes,
  deviceIdFromPublicKey,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  ed25519Spki,
  headSigningBytes,
  type Resource,
  type StreamHead,
} from "@tidemark/protocol";
import { EngineError, EngineErrorCode } from "../errors.js";
import { compareIds, idToHex } from "../store/ids.js";

/** One received stream's changes, with what is known of its origin's key. */
export type StreamVerifyInput = {
  readonly libraryId: Uint8Array;
  readonly origin: Uint8Array;
  readonly resource: Resource;
  readonly changes: readonly Change[];
  /** The key the message carried (empty/undefined: none), else the stored one. */
  readonly originKey: Uint8Array | undefined;
  readonly storedKey: Uint8Array | undefined;
  /**
   * The authenticated device at the other end of the call that carried
   * them is the stream's origin, not us (§16 SG-8): the channel proves the
   * origin sent them, so signatures are checked for shape only.
   */
  readonly sentByOrigin?: boolean;
};

/**
 * Throws EngineError (ForgedOrigin, BadSignature) unless every change is
 * signed by the stream's origin; returns the key that verified them
 * (undefined when there were no changes), for the store to keep.
 */
export type StreamVerifier = (input: StreamVerifyInput) => Uint8Array | undefined;

const keyObjects = new Map<string, KeyObject>();
// Keys of devices seen; bounded so made-up keys cannot grow it for ever.
const MAX_CACHED_KEYS = 1024;

function keyObject(raw: Uint8Array): KeyObject {
  const hex = idToHex(raw);
  let k = keyObjects.get(hex);
  if (k === undefined) {
    if (keyObjects.size >= MAX_CACHED_KEYS) keyObjects.clear();
    k = createPublicKey({ key: Buffer.from(ed25519Spki(raw)), format: "der", type: "spki" });
    keyObjects.set(hex, k);
  }
  return k;
}

/**
 * Signatures verified before, process-wide: signature (hex) -> SHA-256 of
 * key || signed bytes. A relay verifies what it applies and its peers
 * verify the same changes again; in one process (the simulator, a host
 * with several replicas) each exact (key, bytes, signature) is checked by
 * ed25519 once. A hit needs the same key and bytes, so it proves as much.
 */
const verified = new Map<string, string>();
const MAX_VERIFIED = 65_536;

function verifyCached(key: Uint8Array, pub: KeyObject, message: Uint8Array, sig: Uint8Array) {
  const sigHex = idToHex(sig);
  const digest = createHash("sha256").update(key).update(message).digest("hex");
  if (verified.get(sigHex) === digest) return true;
  if (!verify(null, message, pub, sig)) return false;
  if (verified.size >= MAX_VERIFIED) verified.clear();
  verified.set(sigHex, digest);
  return true;
}

/** The origin key to verify with: the carried one (checked against the origin) or the stored one. */
export function originKeyFor(input: StreamVerifyInput): Uint8Array | undefined {
  const carried =
    input.originKey !== undefined && input.originKey.length > 0 ? input.originKey : undefined;
  if (carried === undefined) return input.storedKey;
  if (carried.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new EngineError(EngineErrorCode.Invalid, "origin_key must be 32 bytes", {
      field: "origin_key",
      bytes: carried.length,
    });
  }
  if (compareIds(deviceIdFromPublicKey(carried), input.origin) !== 0) {
    throw new EngineError(
      EngineErrorCode.ForgedOrigin,
      "origin_key is not the key of the stream's origin",
      { field: "origin_key", origin: idToHex(input.origin) },
    );
  }
  return carried;
}

/**
 * The reference verifier: every change signed by the stream's origin; for
 * changes the origin itself sent over an authenticated channel, a key that
 * derives the origin and 64-byte signatures, kept so the rows can be relayed.
 */
export const verifyStreamChanges: StreamVerifier = (input) => {
  if (input.changes.length === 0) return undefined;
  const key = originKeyFor(input);
  if (key === undefined) {
    throw new EngineError(
      EngineErrorCode.BadSignature,
      "no key known for the stream's origin: its changes cannot be verified",
      { field: "origin_key", origin: idToHex(input.origin) },
    );
  }
  const pub = keyObject(key);
  const direct = input.sentByOrigin === true;
  input.changes.forEach((change, i) => {
    const sig = change.signature;
    const ok =
      sig.length === ED25519_SIGNATURE_BYTES &&
      (direct ||
        verifyCached(
          key,
          pub,
          changeSigningBytes(input.libraryId, input.origin, input.resource, change),
          sig,
        ));
    if (!ok) {
      throw new EngineError(
        EngineErrorCode.BadSignature,
        sig.length === 0
          ? "change is not signed by its origin"
          : "change signature does not verify with its origin's key",
        { field: `changes[${i}].signature`, seq: change.seq, row: idToHex(change.rowId) },
      );
    }
  });
  return key;
};

/** The authenticated sender is the stream's origin, and that origin is not us (§16 SG-8). */
export function sentByOrigin(sentBy: string | undefined, origin: string, self: string): boolean {
  return sentBy !== undefined && sentBy.toLowerCase() === origin && origin !== self;
}

/** One head statement received for stream (origin, resource), with the origin key we hold. */
export type HeadVerifyInput = {
  readonly libraryId: Uint8Array;
  readonly origin: Uint8Array;
  readonly resource: Resource;
  readonly head: StreamHead;
  /** The key the message carried with the stream's changes, if any (SG-3). */
  readonly carriedKey?: Uint8Array | undefined;
  readonly storedKey: Uint8Array | undefined;
};

/** Why a head statement was not believed (a metric label). */
export type HeadRefusal = "no-key" | "forged-key" | "bad-signature" | "malformed";

/**
 * Checks an origin's head statement (PROTOCOL.md §16 SG-9): signed over
 * headSigningBytes by the key that derives the origin — the head's own
 * origin_key, the one carried with the stream's changes, or the stored one.
 * Never throws: a head that does not verify is simply not believed.
 */
export function verifyStreamHead(
  input: HeadVerifyInput,
): { readonly seq: bigint; readonly key: Uint8Array } | { readonly refused: HeadRefusal } {
  const { head } = input;
  if (head.seq < 1n || head.signature.length !== ED25519_SIGNATURE_BYTES) {
    return { refused: "malformed" };
  }
  const candidates = [head.originKey, input.carriedKey].filter(
    (k): k is Uint8Array => k !== undefined && k.length > 0,
  );
  let key = input.storedKey;
  for (const k of candidates) {
    if (k.length !== ED25519_PUBLIC_KEY_BYTES) return { refused: "malformed" };
    if (compareIds(deviceIdFromPublicKey(k), input.origin) !== 0) return { refused: "forged-key" };
    key ??= k;
  }
  if (key === undefined) return { refused: "no-key" };
  const message = headSigningBytes(input.libraryId, input.origin, input.resource, head.seq);
  if (!verifyCached(key, keyObject(key), message, head.signature)) {
    return { refused: "bad-signature" };
  }
  return { seq: head.seq, key };
}
