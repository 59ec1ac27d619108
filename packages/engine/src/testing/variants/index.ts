// The known-bad engine variants (DESIGN §7): each reproduces one of the
// seed system's bugs as injected strategies (ReplicaParts). Only test code
// builds them; a harness must catch every one.
import type { ReplicaParts } from "../../replica-api.js";
import { repeatsAfterSkip, symbolsWithoutFallback, trustsFalseDecode } from "./coded-symbols.js";
import { countLessThanOnly } from "./count-less-than-only.js";
import { missingWatermarkAsMax } from "./missing-watermark-as-max.js";
import { noParentsById } from "./no-parents-by-id.js";
import { ownCommitsNeverHeld } from "./own-commits-never-held.js";
import { ownershipFilterEmpty } from "./ownership-filter-empty.js";
import { pruneShadowingDeletes } from "./prune-shadowing-deletes.js";
import { refusalBlocksBackfill } from "./refusal-blocks-backfill.js";
import { relayClaimsBelieved } from "./relay-claims-believed.js";
import { resumePastMissingPages } from "./resume-past-missing-pages.js";
import { symmetricRecovery } from "./symmetric-recovery.js";
import { timestampWatermark } from "./timestamp-watermark.js";
import { unverifiedChanges } from "./unverified-changes.js";
import { unverifiedHeads } from "./unverified-heads.js";

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

/**
 * Issue 11's engine bugs re-introduced, one each, for mutation runs
 * (`pnpm sim:mutants`). Kept apart from the seed's set until the
 * simulator's generators reach the states that expose them.
 */
export const REGRESSION_VARIANTS = {
  /** Bug 1: own commits confirmed right after any open (seq reuse after a restore). */
  ownCommitsNeverHeld,
  /** Bug 2: pruning drops a shared delete that still shadows another origin's live entry. */
  pruneShadowingDeletes,
  /** Bug 7: an unfinished pull resumes after the highest seq applied, past missing pages. */
  resumePastMissingPages,
  /** Bug 5: a refused pull page of one stream refuses the later streams' pages too. */
  refusalBlocksBackfill,
  /** Issue 13: received changes applied without checking their origin's signature. */
  unverifiedChanges,
  /** Bug 9: a page refused for a full dependency buffer never fetches the awaited parents by id (RF-5). */
  noParentsById,
} as const satisfies Readonly<Record<string, ReplicaParts>>;

export const REGRESSION_NAMES = Object.keys(REGRESSION_VARIANTS) as readonly string[];

/**
 * Rules broken that only a lying peer exposes: the conformance kit's client
 * scenarios catch them (a relay it scripts); the simulator generates no
 * such peer, so its mutation runs leave them out.
 */
export const CONFORMANCE_VARIANTS = {
  /** SG-10: a head statement believed without checking its origin's signature. */
  unverifiedHeads,
  /** CU-8: a relay's cursor of a third device's stream believed beyond what that device signed. */
  relayClaimsBelieved,
  /** RC-26: a decoded difference used without the responder's fingerprint check. */
  trustsFalseDecode,
  /** RC-27: coded symbols given up on without reconciling the range by range rounds. */
  symbolsWithoutFallback,
  /** RC-29: a skip answer to a symbols_request taken for "ask again". */
  repeatsAfterSkip,
} as const satisfies Readonly<Record<string, ReplicaParts>>;

export const CONFORMANCE_NAMES = Object.keys(CONFORMANCE_VARIANTS) as readonly string[];

/** The parts of a known-bad, regression or conformance variant; throws RangeError for an unknown name. */
export function knownBadParts(name: string): ReplicaParts {
  const all: Readonly<Record<string, ReplicaParts>> = {
    ...KNOWN_BAD_VARIANTS,
    ...REGRESSION_VARIANTS,
    ...CONFORMANCE_VARIANTS,
  };
  const parts = all[name];
  if (parts === undefined)
    throw new RangeError(
      `unknown variant ${name}; one of ${[...KNOWN_BAD_NAMES, ...REGRESSION_NAMES, ...CONFORMANCE_NAMES].join(", ")}`,
    );
  return parts;
}
