// What a client under test must do when the runner is its peer: each
// scenario scripts the runner's streams, nudges the client (a notice, a
// push) and checks the requests it sends and the cursors it reports. This
// is the core list, in the order the runner plays them: the scenarios live
// in modules by topic, and the order matters where a comment says so.
import {
  endsRangeOnSkip,
  fallsBackFromUndecodableSymbols,
  rejectsFalseDecode,
} from "./coded-symbols.js";
import {
  repeatsRefusedBackfillOnGrowingBackoff,
  retriesUnavailableWithoutMovingCursor,
} from "./failures.js";
import {
  fullResyncBelowHorizon,
  fullResyncForgetsPrunedSharedRow,
  fullResyncKeepsNewerRow,
  fullResyncRestartsWhenResponderMoves,
} from "./full-resync.js";
import {
  clampsOverclaim,
  distrustsOutOfOrderPages,
  gapThenPull,
  helloFirst,
  holdsFutureHlcStreamOnly,
  noFinishBelowApplied,
  pullsClaimedStreamInPages,
  pullsStreamANoticeLeftOut,
  resumesAfterFailedCall,
} from "./pulls.js";
import {
  noFingerprintCompareWhilePulling,
  noPushRepairs,
  reconcileReplyWithoutCursorNotHeld,
  reconcilesAfterDeferring,
  reconcilesOnMismatch,
  rejectsBadDiffReply,
} from "./reconciles.js";
import type { Scenario } from "./scenario-kit.js";
import { believesOnlySignedHeads, boundsRelayClaimBySignedHead } from "./signed-heads.js";
import { HELLOS_AGAIN_AFTER_UNKNOWN_PEER } from "./unknown-peer.js";

export const SCENARIOS: readonly Scenario[] = [
  helloFirst,
  // Second: its backoff must be the client's first (see the scenario).
  HELLOS_AGAIN_AFTER_UNKNOWN_PEER,
  pullsClaimedStreamInPages,
  reconcilesOnMismatch,
  gapThenPull,
  noPushRepairs,
  resumesAfterFailedCall,
  clampsOverclaim,
  noFingerprintCompareWhilePulling,
  holdsFutureHlcStreamOnly,
  fullResyncBelowHorizon,
  fullResyncRestartsWhenResponderMoves,
  rejectsBadDiffReply,
  noFinishBelowApplied,
  retriesUnavailableWithoutMovingCursor,
  distrustsOutOfOrderPages,
  reconcileReplyWithoutCursorNotHeld,
  fullResyncKeepsNewerRow,
  fullResyncForgetsPrunedSharedRow,
  boundsRelayClaimBySignedHead,
  believesOnlySignedHeads,
  rejectsFalseDecode,
  fallsBackFromUndecodableSymbols,
  repeatsRefusedBackfillOnGrowingBackoff,
  // Last of the untimed ones: a client failing it may loop on the runner
  // and back off, which must not spill into the scenarios above.
  endsRangeOnSkip,
  // Late: the refused client backs off, which would slow the first pull
  // of any scenario after it.
  pullsStreamANoticeLeftOut,
  reconcilesAfterDeferring,
];
