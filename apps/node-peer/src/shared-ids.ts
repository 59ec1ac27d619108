// Ids of shared rows derived from their meaning, so two devices that create
// the same tag or the same assignment concurrently write the SAME row and
// last-writer-wins merges them, instead of growing duplicates.
import { createHash } from "node:crypto";

function derive(...parts: (string | Uint8Array)[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) {
    const bytes = typeof p === "string" ? Buffer.from(p, "utf8") : p;
    // Length-prefix every part so ("ab","c") and ("a","bc") differ.
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    h.update(len);
    h.update(bytes);
  }
  return new Uint8Array(h.digest().subarray(0, 16));
}

/** One tag per (library, name), whichever device creates it. */
export function tagIdOf(libraryId: Uint8Array, name: string): Uint8Array {
  return derive("tidemark/tag/v1", libraryId, name);
}

/** One assignment row per (tag, entry). */
export function tagAssignmentIdOf(tagId: Uint8Array, entryId: Uint8Array): Uint8Array {
  return derive("tidemark/tag-assignment/v1", tagId, entryId);
}
