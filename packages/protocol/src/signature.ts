// What an origin signs for each change it writes (PROTOCOL.md "Change
// signatures"): a domain tag, the library, the stream, then the change's
// canonical protobuf encoding without its signature. Relays can neither
// alter a change nor move it to another stream or library unnoticed.
import { create, toBinary } from "@bufbuild/protobuf";
import { type Change, ChangeSchema, type Resource } from "./gen/tidemark/sync/v1/records_pb.js";
import { ID_BYTES } from "./limits.js";

/** Domain-separation tag: ASCII, followed by one 0x00 byte in the signed bytes. */
export const CHANGE_SIGNATURE_TAG = "tidemark/change-signature/v1";

// ASCII, so one byte per character (no TextEncoder: the package builds without DOM or Node types).
const TAG_BYTES = Uint8Array.from(CHANGE_SIGNATURE_TAG, (c) => c.charCodeAt(0));

/**
 * The canonical encoding of `change` with `signature` cleared: fields in
 * ascending number, implicit-presence fields at their default omitted,
 * set optional/oneof fields always written, no unknown fields
 * (protobuf-es toBinary writes exactly this).
 */
export function canonicalUnsignedChange(change: Change): Uint8Array {
  const unsigned = create(ChangeSchema, {
    rowId: change.rowId,
    seq: change.seq,
    ...(change.hlc === undefined ? {} : { hlc: change.hlc }),
    body: change.body,
  });
  return toBinary(ChangeSchema, unsigned, { writeUnknownFields: false });
}

/**
 * The bytes an origin signs for `change` of stream (origin, resource) in
 * library `libraryId`: TAG || 0x00 || library_id (16) || origin (16) ||
 * resource (uint32 big-endian) || canonicalUnsignedChange(change).
 */
export function changeSigningBytes(
  libraryId: Uint8Array,
  origin: Uint8Array,
  resource: Resource,
  change: Change,
): Uint8Array {
  if (libraryId.length !== ID_BYTES || origin.length !== ID_BYTES) {
    throw new RangeError("library and origin ids are 16 bytes");
  }
  const body = canonicalUnsignedChange(change);
  const head = TAG_BYTES.length + 1 + 2 * ID_BYTES + 4;
  const out = new Uint8Array(head + body.length);
  out.set(TAG_BYTES, 0);
  let at = TAG_BYTES.length + 1;
  out.set(libraryId, at);
  at += ID_BYTES;
  out.set(origin, at);
  at += ID_BYTES;
  new DataView(out.buffer).setUint32(at, resource >>> 0, false);
  out.set(body, head);
  return out;
}

/** Domain-separation tag of stream head statements (PROTOCOL.md §16 SG-9). */
export const HEAD_SIGNATURE_TAG = "tidemark/stream-head/v1";

const HEAD_TAG_BYTES = Uint8Array.from(HEAD_SIGNATURE_TAG, (c) => c.charCodeAt(0));

/**
 * The bytes an origin signs to state its head of stream (origin, resource)
 * in library `libraryId`: HEAD_TAG || 0x00 || library_id (16) || origin
 * (16) || resource (uint32 big-endian) || seq (uint64 big-endian). Fixed
 * length (68 bytes); the tag keeps it from ever reading as a change.
 */
export function headSigningBytes(
  libraryId: Uint8Array,
  origin: Uint8Array,
  resource: Resource,
  seq: bigint,
): Uint8Array {
  if (libraryId.length !== ID_BYTES || origin.length !== ID_BYTES) {
    throw new RangeError("library and origin ids are 16 bytes");
  }
  if (seq < 1n || seq > 0xffff_ffff_ffff_ffffn) throw new RangeError("a head seq is 1 … 2^64 − 1");
  const out = new Uint8Array(HEAD_TAG_BYTES.length + 1 + 2 * ID_BYTES + 4 + 8);
  out.set(HEAD_TAG_BYTES, 0);
  let at = HEAD_TAG_BYTES.length + 1;
  out.set(libraryId, at);
  at += ID_BYTES;
  out.set(origin, at);
  at += ID_BYTES;
  const view = new DataView(out.buffer);
  view.setUint32(at, resource >>> 0, false);
  view.setBigUint64(at + 4, seq, false);
  return out;
}
