// Building blocks for protocol arbitraries: ids, seqs, HLCs, short strings.
import fc from "fast-check";
import { Resource } from "../gen/tidemark/sync/v1/records_pb.js";
import { HLC_COUNTER_BITS, HLC_MAX_COUNTER, ID_BYTES, MAX_UINT64 } from "../limits.js";
import { RESOURCES_IN_FK_ORDER } from "../resources.js";
import { compareBytes } from "../validate/fields.js";

/** A 16-byte id. */
export const arbId = (): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: ID_BYTES, maxLength: ID_BYTES });

/** A seq anywhere in 1..2^64-1. */
export const arbSeq = (): fc.Arbitrary<bigint> => fc.bigInt({ min: 1n, max: MAX_UINT64 });

/** A seq low enough that a chain of a few thousand after it stays in range. */
export const arbChainStart = (): fc.Arbitrary<bigint> => fc.bigInt({ min: 0n, max: 2n ** 62n });

/**
 * An HLC between 2020-01-01 and 2035-01-01 with any counter, never 0:
 * valid for any validation context whose nowMs is after 2035.
 */
export const arbHlc = (): fc.Arbitrary<bigint> =>
  fc
    .tuple(
      fc.bigInt({ min: 1577836800000n, max: 2051222400000n }),
      fc.bigInt({ min: 0n, max: BigInt(HLC_MAX_COUNTER) }),
    )
    .map(([ms, counter]) => (ms << BigInt(HLC_COUNTER_BITS)) | counter);

/** Wall clock past every arbHlc, for validation contexts in tests. */
export const NOW_AFTER_ARB_HLC_MS = 2051222400000 + 1;

/** A short string of any Unicode scalar values (no lone surrogates: they do not round-trip). */
export const arbText = (maxLength = 12): fc.Arbitrary<string> =>
  fc.string({ unit: "binary", maxLength });

/** Any known resource. */
export const arbResource = (): fc.Arbitrary<Resource> => fc.constantFrom(...RESOURCES_IN_FK_ORDER);

/** A 16-byte fingerprint (all zeros for an empty stream). */
export const arbFingerprint = (): fc.Arbitrary<Uint8Array> => arbId();

/** Sorted, distinct 16-byte ids, concatenated order preserved as an array. */
export const arbSortedIds = (maxLength: number): fc.Arbitrary<Uint8Array[]> =>
  fc
    .uniqueArray(arbId(), { maxLength, selector: (id) => Array.from(id).join(",") })
    .map((ids) => ids.sort(compareBytes));

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export { Resource };
