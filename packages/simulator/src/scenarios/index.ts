// The named regression scenarios, each also a test (scenarios.test.ts).
import type { Scenario } from "../scenario.js";
import { announceWhileHeld, ownHeldWhilePeerDown } from "./announce-while-held.js";
import { backoffGrowth } from "./backoff-growth.js";
import { backoffPeerReturns } from "./backoff-peer-returns.js";
import { behindAtHorizon } from "./behind-at-horizon.js";
import { belowHorizonPeerPulling } from "./below-horizon-peer-pulling.js";
import { cappedBackoff } from "./capped-backoff.js";
import { clockAheadReceiver } from "./clock-ahead-receiver.js";
import { clockSkew } from "./clock-skew.js";
import { crashMidBackfill } from "./crash-mid-backfill.js";
import { cutBackfillRetries } from "./cut-backfill-retries.js";
import { cutReconcileResumes } from "./cut-reconcile-resumes.js";
import { deferralToClient } from "./deferral-lifts.js";
import { endlessReconcile } from "./endless-reconcile.js";
import { foreignDevice } from "./foreign-device.js";
import { forgedCycleHeld, forgedReferences, forgingRelay } from "./forgery.js";
import { heldBatchTooFarAhead, heldStreamBackfill, heldStreamSlowLink } from "./held-stream.js";
import { helloRequiredPeers } from "./hello-required.js";
import { inboundClient, inboundFastClient } from "./inbound-client.js";
import {
  crossLocationMoves,
  deepTreeMoves,
  farAheadClock,
  frozenClockLostPush,
  lyingRelay,
  lyingSourceRetries,
  prunedStreamJoiner,
  pruneSharedDelete,
  relayAfterRowLoss,
  restoreThenWrite,
  slowLinkBackfill,
} from "./issue11.js";
import { lateJoiner } from "./late-joiner.js";
import { lateLocationMoves } from "./late-location-moves.js";
import { lateLocationRelay } from "./late-location-relay.js";
import { leapfrog } from "./leapfrog.js";
import { lyingExchange } from "./lying-exchange.js";
import { lyingHello } from "./lying-hello.js";
import { lyingReconcile } from "./lying-reconcile.js";
import { originLeavesMidPull } from "./origin-leaves-mid-pull.js";
import { originLosesOwnRows } from "./origin-loses-own-rows.js";
import { originRestartsMidPull } from "./origin-restarts-mid-pull.js";
import { pairingMidBackfillMoves } from "./pairing-mid-backfill-moves.js";
import type { ScenarioParams } from "./params.js";
import { partitionHeal } from "./partition-heal.js";
import { peerMidPull } from "./peer-mid-pull.js";
import {
  leaverReturns,
  leaverSharedReturns,
  pruneBeforePull,
  restoreOverOldTombstone,
} from "./prune-race.js";
import { pushLostMidPull } from "./push-lost-mid-pull.js";
import { rangeOnlyPeers } from "./range-only.js";
import {
  realtimeBytesOverall,
  realtimeBytesPerPeer,
  realtimeDependencyBound,
  realtimePendingBound,
  restoreAmidHeld,
  restoreBeforeStreamWhileHeld,
  restoreWhileHeld,
} from "./realtime-bounds.js";
import { realtimeChurn } from "./realtime-churn.js";
import { reconcileRetry } from "./reconcile-retry.js";
import { refusingSource } from "./refusing-source.js";
import { relayWhileOriginOffline } from "./relay.js";
import { relayCutMidCall } from "./relay-cut-mid-call.js";
import { relayMidPullMoves } from "./relay-mid-pull-moves.js";
import { restoreBehindPeer } from "./restore-behind-peer.js";
import {
  rangeOnlyRestoreBeforeSharedDelete,
  restoreBeforeSharedDelete,
  restoreBelowHorizon,
} from "./restore-below-horizon.js";
import { restoreMidPull } from "./restore-mid-pull.js";
import { resumeFromSecondSource } from "./resume-from-second-source.js";
import {
  overClaimResync,
  resyncFromDamagedRelay,
  resyncUnprovenRelay,
} from "./resync-from-relay.js";
import { resyncWhileOriginWrites } from "./resync-while-origin-writes.js";
import { seedGap } from "./seed-gap.js";
import { silentCut } from "./silent-cut.js";
import { silentRowLoss, silentRowLossWide } from "./silent-row-loss.js";
import { smallLimitPeers } from "./small-limits.js";
import {
  dependencyBytesOverall,
  dependencyBytesPerOrigin,
  dependencyRows,
  dependencyRowsPerOrigin,
  gapPullRenamedParents,
  movesWhileHeld,
  parentsWithheld,
  renamedParentTightBuffer,
  tightDependencyBuffer,
} from "./tight-buffer.js";
import { tombstoneHorizon } from "./tombstone-horizon.js";

export const SCENARIOS: Readonly<Record<string, (p: ScenarioParams) => Scenario>> = {
  leapfrog,
  "foreign-device": foreignDevice,
  "lying-hello": lyingHello,
  "lying-exchange": lyingExchange,
  "refusing-source": refusingSource,
  "lying-reconcile": lyingReconcile,
  "endless-reconcile": endlessReconcile,
  "small-limit-peers": smallLimitPeers,
  "seed-gap": seedGap,
  "partition-heal": partitionHeal,
  "crash-mid-backfill": crashMidBackfill,
  "clock-skew": clockSkew,
  "tombstone-horizon": tombstoneHorizon,
  "silent-row-loss": silentRowLoss,
  "deferral-to-unreachable": deferralToClient,
  "own-held-while-peer-down": ownHeldWhilePeerDown,
  "silent-row-loss-wide": silentRowLossWide,
  "late-joiner": lateJoiner,
  "relay-while-origin-offline": relayWhileOriginOffline,
  "restore-then-write": restoreThenWrite,
  "prune-shared-delete": pruneSharedDelete,
  "frozen-clock-lost-push": frozenClockLostPush,
  "lying-relay": lyingRelay,
  "slow-link-backfill": slowLinkBackfill,
  "relay-after-row-loss": relayAfterRowLoss,
  "cross-location-moves": crossLocationMoves,
  "late-location-relay": lateLocationRelay,
  "late-location-moves": lateLocationMoves,
  "deep-tree-moves": deepTreeMoves,
  "forging-relay": forgingRelay,
  "forged-cycle-held": forgedCycleHeld,
  "forged-references": forgedReferences,
  "far-ahead-clock": farAheadClock,
  "lying-source-retries": lyingSourceRetries,
  "held-stream-backfill": heldStreamBackfill,
  "held-batch-too-far-ahead": heldBatchTooFarAhead,
  "held-stream-slow-link": heldStreamSlowLink,
  "realtime-churn": realtimeChurn,
  "realtime-pending-bound": realtimePendingBound,
  "realtime-bytes-per-peer": realtimeBytesPerPeer,
  "realtime-bytes": realtimeBytesOverall,
  "realtime-dependency-bound": realtimeDependencyBound,
  "restore-while-held": restoreWhileHeld,
  "restore-before-stream-while-held": restoreBeforeStreamWhileHeld,
  "restore-amid-held": restoreAmidHeld,
  "inbound-client": inboundClient,
  "inbound-fast-client": inboundFastClient,
  "range-only-peers": rangeOnlyPeers,
  "hello-required-peers": helloRequiredPeers,
  "backoff-peer-returns": backoffPeerReturns,
  "origin-loses-own-rows": originLosesOwnRows,
  "reconcile-retry": reconcileRetry,
  "tight-dependency-buffer": tightDependencyBuffer,
  "dependency-rows": dependencyRows,
  "parents-withheld": parentsWithheld,
  "moves-while-held": movesWhileHeld,
  "dependency-rows-per-origin": dependencyRowsPerOrigin,
  "dependency-bytes-per-origin": dependencyBytesPerOrigin,
  "dependency-bytes": dependencyBytesOverall,
  "renamed-parent-tight-buffer": renamedParentTightBuffer,
  "capped-backoff": cappedBackoff,
  "pruned-stream-joiner": prunedStreamJoiner,
  "gap-pull-renamed-parents": gapPullRenamedParents,
  "backoff-growth": backoffGrowth,
  "cut-backfill-retries": cutBackfillRetries,
  "cut-reconcile-resumes": cutReconcileResumes,
  "clock-ahead-receiver": clockAheadReceiver,
  "restore-behind-peer": restoreBehindPeer,
  "restore-below-horizon": restoreBelowHorizon,
  "over-claim-resync": overClaimResync,
  "resync-from-damaged-relay": resyncFromDamagedRelay,
  "resync-unproven-relay": resyncUnprovenRelay,
  "resync-while-origin-writes": resyncWhileOriginWrites,
  "restore-before-shared-delete": restoreBeforeSharedDelete,
  "range-only-shared-delete": rangeOnlyRestoreBeforeSharedDelete,
  "behind-at-horizon": behindAtHorizon,
  "peer-mid-pull": peerMidPull,
  "below-horizon-peer-pulling": belowHorizonPeerPulling,
  "origin-leaves-mid-pull": originLeavesMidPull,
  "origin-restarts-mid-pull": originRestartsMidPull,
  "relay-mid-pull-moves": relayMidPullMoves,
  "relay-cut-mid-call": relayCutMidCall,
  "pairing-mid-backfill-moves": pairingMidBackfillMoves,
  "resume-from-second-source": resumeFromSecondSource,
  "announce-while-held": announceWhileHeld,
  "restore-mid-pull": restoreMidPull,
  "silent-cut": silentCut,
  "push-lost-mid-pull": pushLostMidPull,
  "prune-before-pull": pruneBeforePull,
  "restore-over-old-tombstone": restoreOverOldTombstone,
  "leaver-returns": leaverReturns,
  "leaver-shared-returns": leaverSharedReturns,
};

export const SCENARIO_NAMES: readonly string[] = Object.keys(SCENARIOS);

export type { ScenarioParams } from "./params.js";
