// Ids of shared rows derived from their meaning (PROTOCOL.md §3.2, RD-3 and
// RD-4), so two devices that create the same tag or the same assignment
// concurrently write the SAME row and last-writer-wins merges them, instead
// of growing duplicates. Here, beside the wire types, because a peer and
// the conformance kit that checks it must derive the same bytes.
import { sha256Prefix } from "./sha256.js";

const utf8 = new TextEncoder();

/** The first 16 bytes of SHA-256 over the parts, each after its 4-byte big-endian length. */
function derive(...parts: (string | Uint8Array)[]): Uint8Array {
  const bytes = parts.map((p) => (typeof p === "string" ? utf8.encode(p) : p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + 4 + b.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const b of bytes) {
    // Length-prefix every part so ("ab","c") and ("a","bc") differ.
    view.setUint32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return sha256Prefix(out, 16);
}

/** One tag per (library, name), whichever device creates it. */
export function tagIdOf(libraryId: Uint8Array, name: string): Uint8Array {
  return derive("tidemark/tag/v1", libraryId, name);
}

/** One assignment row per (tag, entry). */
export function tagAssignmentIdOf(tagId: Uint8Array, entryId: Uint8Array): Uint8Array {
  return derive("tidemark/tag-assignment/v1", tagId, entryId);
}
