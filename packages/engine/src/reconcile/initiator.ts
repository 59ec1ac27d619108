// The initiator: drives the rounds and ends knowing exactly which ids to
// fetch (need) and which the responder lacks (have). It keeps one piece of
// state between rounds, the ranges it last sent as item lists, because an
// ItemList in the reply inside such a range is a diff reply, not a listing.
import type { ReconcileRange } from "@tidemark/protocol";
import type { ReconcileItem } from "../store/store-api.js";
import { type Bound, compareBounds, EMPTY_BOUND, ID_BYTES, invalid } from "./bounds.js";
import { checkItemList, diffList } from "./item-list.js";
import { ReconcileSet } from "./item-set.js";
import { type ReconcileConfig, type ReconcileOptions, resolveOptions } from "./options.js";
import { checkFingerprint, equalBytes, type IncomingRange, walkMessage } from "./range-walk.js";
import { splitRange } from "./split.js";

type SentList = { readonly lower: Uint8Array; readonly upper: Bound };

export class ReconcileInitiator {
  readonly set: ReconcileSet;
  /** Ids the responder holds that we lack or hold at a lower seq. */
  readonly need: Uint8Array[] = [];
  /** Ids we hold that the responder lacks or holds at a lower seq. */
  readonly have: Uint8Array[] = [];
  private readonly config: ReconcileConfig;
  private state: "new" | "waiting" | "done" = "new";
  private sentLists: SentList[] = [];
  private sentListCursor = 0;
  private messages = 0;
  // A frame-limit tail re-covers ranges settled in earlier rounds, so a
  // difference can be found twice; these keep need/have free of repeats.
  private readonly needSeen = new Set<string>();
  private readonly haveSeen = new Set<string>();

  /** `items` ascending by id (ReplicaStore.reconcileItems), or a prepared set. */
  constructor(items: readonly ReconcileItem[] | ReconcileSet, options?: ReconcileOptions) {
    this.config = resolveOptions(options);
    this.set = items instanceof ReconcileSet ? items : new ReconcileSet(items);
  }

  /** True once the last reply settled every range; need/have are final. */
  get done(): boolean {
    return this.state === "done";
  }

  /** Messages sent so far (= round trips once each has its reply). */
  get roundTrips(): number {
    return this.messages;
  }

  /** The first message: the whole id space, split (or listed if small). */
  initiate(): ReconcileRange[] {
    if (this.state !== "new") throw invalid("initiate() may be called once");
    return this.sent(splitRange(this.set, 0, this.set.size, EMPTY_BOUND, this.config));
  }

  /**
   * Processes the responder's reply and returns the next message, or
   * undefined when reconciliation is complete (need/have are then final).
   * Throws an Invalid EngineError on a malformed or inconsistent reply.
   */
  reconcile(reply: readonly ReconcileRange[]): ReconcileRange[] | undefined {
    if (this.state !== "waiting") throw invalid("reconcile() needs an outstanding message");
    this.sentListCursor = 0;
    const next = walkMessage(this.set, reply, this.config, (r) => this.answer(r));
    if (next.length === 0) {
      this.state = "done";
      this.sentLists = [];
      return undefined;
    }
    return this.sent(next);
  }

  private sent(ranges: ReconcileRange[]): ReconcileRange[] {
    const lists: SentList[] = [];
    let lower: Uint8Array = EMPTY_BOUND;
    ranges.forEach((r, k) => {
      const upper = k === ranges.length - 1 ? null : r.upperBound;
      if (r.payload.case === "items") lists.push({ lower, upper });
      lower = r.upperBound;
    });
    this.sentLists = lists;
    this.state = "waiting";
    this.messages++;
    return ranges;
  }

  private answer(r: IncomingRange): readonly ReconcileRange[] | "skip" {
    const { set, config } = this;
    const p = r.range.payload;
    if (p.case === "skip") return "skip";
    if (p.case === "fingerprint") {
      const theirs = checkFingerprint(p.value, r.index);
      if (equalBytes(theirs, set.fingerprint(r.i, r.j))) return "skip";
      return splitRange(set, r.i, r.j, r.range.upperBound, config);
    }
    if (p.case !== "items") return "skip";
    checkItemList(p.value, r.lower, r.upper, r.index);
    if (this.insideSentList(r.lower, r.upper)) this.takeDiffReply(r);
    else this.takeFullList(r);
    return "skip";
  }

  /** Responder's full listing of the range: we compute both directions. */
  private takeFullList(r: IncomingRange): void {
    const list = (r.range.payload as { value: import("@tidemark/protocol").ItemList }).value;
    if (list.neededIds.length > 0) throw invalid("needed_ids outside a range we listed", r.index);
    const diff = diffList(this.set, r.i, r.j, list);
    for (const k of diff.theirNewer)
      this.addNeed(list.ids.subarray(k * ID_BYTES, (k + 1) * ID_BYTES));
    for (const k of diff.ownNewer)
      this.addHave(this.set.ids.subarray(k * ID_BYTES, (k + 1) * ID_BYTES));
  }

  /** Responder's answer to our list: its newer items and the ids it needs. */
  private takeDiffReply(r: IncomingRange): void {
    const list = (r.range.payload as { value: import("@tidemark/protocol").ItemList }).value;
    const n = list.ids.length / ID_BYTES;
    for (let k = 0; k < n; k++) {
      const id = list.ids.subarray(k * ID_BYTES, (k + 1) * ID_BYTES);
      const own = this.set.indexOf(id, r.i, r.j);
      if (own >= 0 && this.set.seqAt(own) >= (list.seqs[k] as bigint))
        throw invalid("reply offers an item we already hold at that seq or newer", r.index);
      this.addNeed(id);
    }
    const needed = list.neededIds;
    for (let off = 0; off < needed.length; off += ID_BYTES) {
      const id = needed.subarray(off, off + ID_BYTES);
      if (this.set.indexOf(id, r.i, r.j) < 0)
        throw invalid("reply asks for an id we do not hold in that range", r.index);
      this.addHave(id);
    }
  }

  private addNeed(id: Uint8Array): void {
    const key = idKey(id);
    if (this.needSeen.has(key)) return;
    this.needSeen.add(key);
    this.need.push(id.slice());
  }

  private addHave(id: Uint8Array): void {
    const key = idKey(id);
    if (this.haveSeen.has(key)) return;
    this.haveSeen.add(key);
    this.have.push(id.slice());
  }

  private insideSentList(lower: Uint8Array, upper: Bound): boolean {
    const lists = this.sentLists;
    while (
      this.sentListCursor < lists.length &&
      compareBounds((lists[this.sentListCursor] as SentList).upper, lower) <= 0
    )
      this.sentListCursor++;
    const s = lists[this.sentListCursor];
    return (
      s !== undefined && compareBounds(s.lower, lower) <= 0 && compareBounds(upper, s.upper) <= 0
    );
  }
}

/** A compact string key for a 16-byte id (8 UTF-16 code units). */
function idKey(id: Uint8Array): string {
  let key = "";
  for (let k = 0; k < ID_BYTES; k += 2)
    key += String.fromCharCode(((id[k] as number) << 8) | (id[k + 1] as number));
  return key;
}
