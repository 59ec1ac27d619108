// The known-bad engine variants (DESIGN §7): each reproduces one of the
// seed system's bugs as injected strategies (ReplicaParts). Only test code
// builds them; a harness must catch every one.
import type { ReplicaParts } from "../../replica-api.js";
import { countLessThanOnly } from "./count-less-than-only.js";
import { missingWatermarkAsMax } from "./missing-watermark-as-max.js";
import { ownershipFilterEmpty } from "./ownership-filter-empty.js";
import { symmetricRecovery } from "./symmetric-recovery.js";
import { timestampWatermark } from "./timestamp-watermark.js";

export const KNOWN_BAD_VARIANTS = {
  /** B1: cursor = max seq received, not the contiguous chain. */
  timestampWatermark,
  /** B2: only `ourCount < theirCount` triggers recovery; fingerprints ignored. */
  countLessThanOnly,
  /** B3: serving a stream's changes returns no rows. */
  ownershipFilterEmpty,
  /** B4: a missing cursor is treated as "infinitely far ahead". */
  missingWatermarkAsMax,
  /** B6: both sides push repairs whenever anything differs; nobody pulls. */
  symmetricRecovery,
} as const satisfies Readonly<Record<string, ReplicaParts>>;

export type KnownBadVariant = keyof typeof KNOWN_BAD_VARIANTS;

export const KNOWN_BAD_NAMES = Object.keys(KNOWN_BAD_VARIANTS) as readonly KnownBadVariant[];

/** The parts of a known-bad variant; throws RangeError for an unknown name. */
export function knownBadParts(name: string): ReplicaParts {
  const parts = (KNOWN_BAD_VARIANTS as Readonly<Record<string, ReplicaParts>>)[name];
  if (parts === undefined)
    throw new RangeError(`unknown variant ${name}; one of ${KNOWN_BAD_NAMES.join(", ")}`);
  return parts;
}
