// Seq arithmetic shared by the store and the control plane.

/** The larger of two optional seqs; undefined only when both are. */
export function maxDefined(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
