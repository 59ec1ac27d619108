// A probe watermark for property unit tests: the fields a test does not
// care about set to what an empty, settled stream reports.
import { Resource } from "@tidemark/protocol";
import type { Watermark } from "./types.js";

/** Stream (origin, resource) at `cursor`, no rows, not pulling; `over` replaces any field. */
export function watermarkStub(
  origin: string,
  cursor: bigint | undefined,
  over: Partial<Watermark> & { resource?: Resource } = {},
): Watermark {
  const { resource = Resource.ENTRY, ...rest } = over;
  return {
    stream: { origin, resource },
    cursor,
    liveCount: 0n,
    fingerprint: "00".repeat(16),
    tombstoneHorizon: undefined,
    pulling: false,
    maxAppliedSeq: cursor,
    ...rest,
  };
}
