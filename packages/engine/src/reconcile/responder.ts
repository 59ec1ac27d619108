// The responder: stateless between messages, so a server can answer each
// Reconcile call from the store's current items with no session.
import { create } from "@bufbuild/protobuf";
import { ItemListSchema, type ReconcileRange } from "@tidemark/protocol";
import { bytesEqual } from "../store/ids.js";
import type { ReconcileItem } from "../store/store-api.js";
import { ID_BYTES, invalid } from "./bounds.js";
import { checkItemList, diffList } from "./item-list.js";
import { ReconcileSet } from "./item-set.js";
import { type ReconcileConfig, type ReconcileOptions, resolveOptions } from "./options.js";
import { checkFingerprint, type IncomingRange, walkMessage } from "./range-walk.js";
import { answerSymbolsRequest } from "./riblt/respond.js";
import { itemsRange, splitRange } from "./split.js";

export class ReconcileResponder {
  readonly set: ReconcileSet;
  private readonly config: ReconcileConfig;

  /** `items` ascending by id (ReplicaStore.reconcileItems), or a prepared set. */
  constructor(items: readonly ReconcileItem[] | ReconcileSet, options?: ReconcileOptions) {
    this.config = resolveOptions(options);
    this.set = items instanceof ReconcileSet ? items : new ReconcileSet(items);
  }

  /**
   * Answers one initiator message. Returns [] when there is nothing more to
   * say (every range matched). Throws an Invalid EngineError on a malformed
   * message (bad bounds, sizes or order); nothing is changed either way.
   */
  reconcile(request: readonly ReconcileRange[]): ReconcileRange[] {
    return walkMessage(this.set, request, this.config, (r) => this.answer(r));
  }

  private answer(r: IncomingRange): readonly ReconcileRange[] | "skip" {
    const { set, config } = this;
    const p = r.range.payload;
    if (p.case === "skip") return "skip";
    if (p.case === "fingerprint") {
      const theirs = checkFingerprint(p.value, r.index);
      if (bytesEqual(theirs, set.fingerprint(r.i, r.j))) return "skip";
      return splitRange(set, r.i, r.j, r.range.upperBound, config);
    }
    if (p.case === "symbolsRequest")
      return answerSymbolsRequest(
        set,
        r.i,
        r.j,
        r.range.upperBound,
        p.value,
        config.budget.maxBytes,
      );
    if (p.case === "symbols") throw invalid("coded symbols in a request", r.index);
    if (p.case !== "items") return "skip";
    const list = p.value;
    checkItemList(list, r.lower, r.upper, r.index);
    if (list.neededIds.length > 0) throw invalidNeeded(r.index);
    // A reply listing all of a large own range would be too big: answer
    // with fingerprints instead, and the initiator lists each part again.
    if (r.j - r.i > config.maxReplyItems)
      return splitRange(set, r.i, r.j, r.range.upperBound, config);
    const diff = diffList(set, r.i, r.j, list);
    if (diff.ownNewer.length === 0 && diff.theirNewer.length === 0) return "skip";
    const ids = new Uint8Array(diff.ownNewer.length * ID_BYTES);
    const seqs: bigint[] = [];
    diff.ownNewer.forEach((k, n) => {
      ids.set(set.ids.subarray(k * ID_BYTES, (k + 1) * ID_BYTES), n * ID_BYTES);
      seqs.push(set.seqAt(k));
    });
    const neededIds = new Uint8Array(diff.theirNewer.length * ID_BYTES);
    diff.theirNewer.forEach((k, n) => {
      neededIds.set(list.ids.subarray(k * ID_BYTES, (k + 1) * ID_BYTES), n * ID_BYTES);
    });
    return [itemsRange(r.range.upperBound, create(ItemListSchema, { ids, seqs, neededIds }))];
  }
}

function invalidNeeded(index: number) {
  return invalid("an initiator's item list must not carry needed_ids", index);
}
