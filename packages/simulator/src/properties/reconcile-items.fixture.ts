// Test fixture for the Reconcile properties' unit tests: one stream, and
// items with ids spread over 0x10.. so range rounds split them.
import { idToHex } from "@tidemark/engine";
import type { ReplicaProbe } from "../probe/probe.js";

export const STREAM = { origin: new Uint8Array(16).fill(1), resource: 4 };

export type Item = { readonly id: Uint8Array; readonly seq: bigint };

/** n items with ids 0x10 00.., item k at seq `seqOf(k)` (default k + 1). */
export function items(n: number, seqOf: (k: number) => bigint = (k) => BigInt(k + 1)): Item[] {
  return Array.from({ length: n }, (_, k) => {
    const id = new Uint8Array(16);
    id[0] = 0x10 + (k >> 8);
    id[1] = k & 0xff;
    return { id, seq: seqOf(k) };
  });
}

/** A probe whose stream entries are `held` (only ids and seqs are read). */
export const probeOf = (held: readonly Item[]) =>
  ({
    entries: () => held.map((x) => ({ id: idToHex(x.id), seq: x.seq })),
  }) as unknown as ReplicaProbe;
