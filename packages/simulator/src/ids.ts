// Deterministic ids for simulated devices, libraries and rows.
import type { Prng } from "./prng.js";

/** A UUIDv7 from a virtual wall-clock time and the given PRNG. */
export function uuidv7(nowMs: number, rng: Prng): Uint8Array {
  const id = rng.bytes16();
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    id[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  id[6] = 0x70 | ((id[6] as number) & 0x0f);
  id[8] = 0x80 | ((id[8] as number) & 0x3f);
  return id;
}

/** Device ids are fixed per index so traces and logs read the same across runs. */
export function deviceIdOf(index: number): string {
  return `de${index.toString(16).padStart(2, "0")}${"0".repeat(28)}`;
}

export const LIBRARY_ID = "11b0000000000000000000000000a001";
