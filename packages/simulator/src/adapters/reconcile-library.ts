// The reference engine's sans-IO reconcile library (its README's
// "Reconciliation": what a host embeds on its own transport) as the
// simulator's ReconcileLibrary, for reconcile-library-exact. Sets are
// indexed once per items array: the property runs several limits over
// the same two sides.
import {
  EngineErrorCode,
  idToHex,
  isEngineError,
  ReconcileInitiator,
  ReconcileResponder,
  ReconcileSet,
  runReconciliation,
} from "@tidemark/engine";
import type { ReconcileRange } from "@tidemark/protocol";
import type { LibraryAnswer, LibraryItem, LibraryRun, ReconcileLibrary } from "../probe/probe.js";

const sets = new WeakMap<readonly LibraryItem[], ReconcileSet>();

function setOf(items: readonly LibraryItem[]): ReconcileSet {
  let set = sets.get(items);
  if (set === undefined) {
    set = new ReconcileSet(items);
    sets.set(items, set);
  }
  return set;
}

export const engineReconcileLibrary: ReconcileLibrary = {
  run(initiatorItems, responderItems, limits, maxRoundTrips): LibraryRun {
    const initiator = new ReconcileInitiator(setOf(initiatorItems), limits);
    const responder = new ReconcileResponder(setOf(responderItems), limits);
    const stats = runReconciliation(initiator, responder, maxRoundTrips);
    return {
      need: initiator.need.map(idToHex),
      have: initiator.have.map(idToHex),
      roundTrips: stats.roundTrips,
      messages: initiator.roundTrips,
      bytes: stats.bytesToResponder + stats.bytesToInitiator,
      maxMessageBytes: stats.maxMessageBytes,
    };
  },
  firstMessage(items, limits): readonly ReconcileRange[] {
    return new ReconcileInitiator(setOf(items), limits).initiate();
  },
  respond(items, ranges): LibraryAnswer {
    try {
      return { kind: "answer", ranges: new ReconcileResponder(setOf(items)).reconcile(ranges) };
    } catch (e) {
      if (isEngineError(e) && e.code === EngineErrorCode.Invalid) return { kind: "invalid" };
      return { kind: "failed", error: String(e) };
    }
  },
};
