// A ReplicaStore that forwards every method to another, with some replaced:
// the one way a known-bad variant changes the store (a decorator, so the
// store itself carries no test-only branch). Listing each method keeps the
// decorator complete: a method added to ReplicaStore fails to compile here.
import type { ReplicaStore } from "../../store/store-api.js";

export function delegateStore(inner: ReplicaStore, over: Partial<ReplicaStore>): ReplicaStore {
  return {
    deviceId: inner.deviceId,
    libraryId: inner.libraryId,
    repairedStreams: inner.repairedStreams,
    commit: over.commit ?? ((w) => inner.commit(w)),
    get ownStreamsConfirmed() {
      return inner.ownStreamsConfirmed;
    },
    holdOwnCommits: over.holdOwnCommits ?? (() => inner.holdOwnCommits()),
    confirmOwnStreams: over.confirmOwnStreams ?? (() => inner.confirmOwnStreams()),
    rewindOwn: over.rewindOwn ?? ((s, h) => inner.rewindOwn(s, h)),
    reserveOwnSeqs: over.reserveOwnSeqs ?? ((s, h) => inner.reserveOwnSeqs(s, h)),
    apply: over.apply ?? ((s, c, o) => inner.apply(s, c, o)),
    beginPull: over.beginPull ?? ((s) => inner.beginPull(s)),
    resumePullAfter: over.resumePullAfter ?? ((s, a) => inner.resumePullAfter(s, a)),
    finishPull: over.finishPull ?? ((s, ct) => inner.finishPull(s, ct)),
    abandonPull: over.abandonPull ?? ((s) => inner.abandonPull(s)),
    forgetRows: over.forgetRows ?? ((s, ids, h) => inner.forgetRows(s, ids, h)),
    changesAfter: over.changesAfter ?? ((s, a, l, c) => inner.changesAfter(s, a, l, c)),
    originKey: over.originKey ?? ((o) => inner.originKey(o)),
    noteHead: over.noteHead ?? ((s, h, k) => inner.noteHead(s, h, k)),
    verifiedHead: over.verifiedHead ?? ((s) => inner.verifiedHead(s)),
    watermarks: over.watermarks ?? (() => inner.watermarks()),
    streamState: over.streamState ?? ((s) => inner.streamState(s)),
    streams: over.streams ?? (() => inner.streams()),
    reconcileItems: over.reconcileItems ?? ((s) => inner.reconcileItems(s)),
    changesByIds: over.changesByIds ?? ((s, ids) => inner.changesByIds(s, ids)),
    pruneTombstones: over.pruneTombstones ?? ((s, h) => inner.pruneTombstones(s, h)),
    firstTombstoneFrom: over.firstTombstoneFrom ?? ((s, h) => inner.firstTombstoneFrom(s, h)),
    hlcNow: over.hlcNow ?? (() => inner.hlcNow()),
    physicalNow: over.physicalNow ?? (() => inner.physicalNow()),
    awaitedParents: over.awaitedParents ?? ((s, max) => inner.awaitedParents(s, max)),
    dependencyStats: over.dependencyStats ?? (() => inner.dependencyStats()),
    close: over.close ?? (() => inner.close()),
  };
}
