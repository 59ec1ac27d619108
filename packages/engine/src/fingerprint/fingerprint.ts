// Stream fingerprints (FINGERPRINT.md, PROTOCOL.md): the sum mod 2^128 of
// h(id, seq) over a stream's live entries, 16 bytes big-endian. A sum is
// order-independent and incremental: a new version subtracts the old term
// and adds the new one; a tombstone only subtracts.
import { sha256Prefix } from "@tidemark/protocol/sha256";

export const FINGERPRINT_BYTES = 16;

const ID_BYTES = 16;
// Reused input block for itemHash: id (16) || seq (8 BE). Synchronous only.
const itemInput = new Uint8Array(ID_BYTES + 8);

/**
 * h(id, seq) = first 16 bytes of SHA-256(id || seq as u64 big-endian).
 * `id` must be 16 bytes; `seq` must fit in an unsigned 64-bit integer.
 */
export function itemHash(id: Uint8Array, seq: bigint): Uint8Array {
  if (id.length !== ID_BYTES)
    throw new RangeError(`id must be ${ID_BYTES} bytes, got ${id.length}`);
  if (seq < 0n || seq > 0xffff_ffff_ffff_ffffn)
    throw new RangeError(`seq out of u64 range: ${seq}`);
  itemInput.set(id, 0);
  const hi = Number(seq >> 32n);
  const lo = Number(seq & 0xffff_ffffn);
  itemInput[16] = hi >>> 24;
  itemInput[17] = hi >>> 16;
  itemInput[18] = hi >>> 8;
  itemInput[19] = hi;
  itemInput[20] = lo >>> 24;
  itemInput[21] = lo >>> 16;
  itemInput[22] = lo >>> 8;
  itemInput[23] = lo;
  return sha256Prefix(itemInput, FINGERPRINT_BYTES);
}

/** acc += h (mod 2^128), both 16 bytes big-endian; mutates acc. */
export function addInto(acc: Uint8Array, h: Uint8Array): void {
  let carry = 0;
  for (let i = FINGERPRINT_BYTES - 1; i >= 0; i--) {
    const s = (acc[i] as number) + (h[i] as number) + carry;
    acc[i] = s & 0xff;
    carry = s >>> 8;
  }
}

/** acc -= h (mod 2^128), both 16 bytes big-endian; mutates acc. */
export function subInto(acc: Uint8Array, h: Uint8Array): void {
  let borrow = 0;
  for (let i = FINGERPRINT_BYTES - 1; i >= 0; i--) {
    const d = (acc[i] as number) - (h[i] as number) - borrow;
    acc[i] = d & 0xff;
    borrow = d < 0 ? 1 : 0;
  }
}

/** Fingerprint of a set of live entries from scratch; empty -> 16 zero bytes. */
export function fingerprintOf(items: Iterable<{ id: Uint8Array; seq: bigint }>): Uint8Array {
  const acc = new Uint8Array(FINGERPRINT_BYTES);
  for (const item of items) addInto(acc, itemHash(item.id, item.seq));
  return acc;
}
