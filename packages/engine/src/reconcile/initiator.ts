// The initiator: drives the rounds and ends knowing exactly which ids to
// fetch (need) and which the responder lacks (have). Unlike the stateless
// responder it keeps state between rounds:
// - the ranges it last sent as item lists, because an ItemList in the reply
//   inside such a range is a diff reply, not a full listing;
// - a queue of mismatching ranges not yet described, so that under a frame
//   limit it sends only what fits (with room for the estimated reply) and
//   marks the rest "skip" for now, instead of folding it into a tail
//   fingerprint that the peer would have to split again from the top;
// - the share of its last fingerprint ranges that differed, which gives a
//   density of differences per item to estimate the next reply's size.
import { create } from "@bufbuild/protobuf";
import {
  type CodedSymbolsRequest,
  type ItemList,
  type ReconcileRange,
  ReconcileRangeSchema,
} from "@tidemark/protocol";
import { bytesEqual } from "../store/ids.js";
import type { ReconcileItem } from "../store/store-api.js";
import { type Bound, compareBounds, EMPTY_BOUND, ID_BYTES, invalid } from "./bounds.js";
import { checkItemList, diffList } from "./item-list.js";
import { ReconcileSet } from "./item-set.js";
import { MessageWriter } from "./message-writer.js";
import { type ReconcileConfig, type ReconcileOptions, resolveOptions } from "./options.js";
import { checkFingerprint, type IncomingRange, readRanges } from "./range-walk.js";
import { needAndHave, RibltSession } from "./riblt/session.js";
import { splitRange } from "./split.js";

type SentList = { readonly lower: Uint8Array; readonly upper: Bound };
type SentFingerprint = {
  readonly lower: Uint8Array;
  readonly upper: Bound;
  readonly count: number;
  differs: boolean;
};

/** A range whose fingerprints differ: own items [i, j) still to describe. */
type Work = {
  readonly lower: Uint8Array;
  /** Upper bound as sent on the wire (empty = end). */
  readonly upperBytes: Uint8Array;
  readonly upper: Bound;
  readonly i: number;
  readonly j: number;
};

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
  private pending: Work[] = [];
  private messages = 0;
  // Differences per item, estimated from how many of our fingerprint
  // ranges the last reply found different (Infinity until known): sizes
  // the estimate of the next reply.
  private density = Number.POSITIVE_INFINITY;
  private sentFingerprints: SentFingerprint[] = [];
  // A tail fingerprint from a responder at its frame limit re-covers ranges
  // settled earlier, so a difference can be found twice; report it once.
  private readonly needSeen = new Set<string>();
  private readonly haveSeen = new Set<string>();
  private riblt: RibltSession | undefined;
  private fellBack: string | undefined;

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

  /**
   * The first message: the whole id space, split (or listed if small); with
   * coded symbols negotiated and more than T items, one symbols_request.
   */
  initiate(): ReconcileRange[] {
    if (this.state !== "new") throw invalid("initiate() may be called once");
    if (this.config.codedSymbols && this.set.size > this.config.listThreshold) {
      this.riblt = new RibltSession(this.set, 0, this.set.size, this.config.codedOpening);
      return this.sent([symbolsRequestRange(this.riblt.first())]);
    }
    this.pending = [wholeSpace(this.set)];
    return this.sent(this.compose());
  }

  /** True while the coded-symbol exchange runs (before any fallback). */
  get usingCodedSymbols(): boolean {
    return this.riblt !== undefined;
  }

  /** Why the coded-symbol exchange fell back to range rounds, if it did. */
  get fallbackReason(): string | undefined {
    return this.fellBack;
  }

  /** One reply to our symbols_request over the whole id space (§7.9.4). */
  private takeSymbols(session: RibltSession, reply: readonly ReconcileRange[]) {
    if (reply.length === 0) return this.finish();
    const only = reply[0] as ReconcileRange;
    if (reply.length !== 1 || only.upperBound.length !== 0 || only.payload.case !== "symbols")
      throw invalid("a reply to a symbols_request must be one symbols range or nothing");
    const step = session.take(only.payload.value);
    if (step.kind === "more") return this.sent([symbolsRequestRange(step.request)]);
    this.riblt = undefined;
    if (step.kind === "decoded") {
      const { need, have } = needAndHave(step.diff);
      for (const id of need) this.addNeed(id);
      for (const id of have) this.addHave(id);
      return this.finish();
    }
    // Fall back to range rounds over the whole space (§7.9.6).
    this.fellBack = step.reason;
    this.pending = [wholeSpace(this.set)];
    return this.sent(this.compose());
  }

  private finish(): undefined {
    this.state = "done";
    this.sentLists = [];
    return undefined;
  }

  /**
   * Processes the responder's reply and returns the next message, or
   * undefined when reconciliation is complete (need/have are then final).
   * Throws an Invalid EngineError on a malformed or inconsistent reply.
   */
  reconcile(reply: readonly ReconcileRange[]): ReconcileRange[] | undefined {
    if (this.state !== "waiting") throw invalid("reconcile() needs an outstanding message");
    if (this.riblt !== undefined) return this.takeSymbols(this.riblt, reply);
    this.sentListCursor = 0;
    const fresh: Work[] = [];
    let fpCursor = 0;
    for (const r of readRanges(this.set, reply)) {
      const p = r.range.payload;
      if (p.case !== "skip") fpCursor = this.markDiffering(fpCursor, r.lower, r.upper);
      if (p.case === "fingerprint") {
        const theirs = checkFingerprint(p.value, r.index);
        if (!bytesEqual(theirs, this.set.fingerprint(r.i, r.j)))
          fresh.push({
            lower: r.lower,
            upperBytes: r.range.upperBound,
            upper: r.upper,
            i: r.i,
            j: r.j,
          });
      } else if (p.case === "symbols" || p.case === "symbolsRequest") {
        throw invalid("coded symbols answer only a symbols_request", r.index);
      } else if (p.case === "items") {
        checkItemList(p.value, r.lower, r.upper, r.index);
        if (this.insideSentList(r.lower, r.upper)) this.takeDiffReply(r, p.value);
        else this.takeFullList(r, p.value);
      }
    }
    this.updateDensity();
    this.pending = mergeWork(this.pending, fresh);
    if (this.pending.length === 0) {
      this.state = "done";
      this.sentLists = [];
      return undefined;
    }
    return this.sent(this.compose());
  }

  /** Describes queued ranges in order while they and their replies fit. */
  private compose(): ReconcileRange[] {
    const { set, config } = this;
    const writer = new MessageWriter(config.budget);
    let replyBytes = 0;
    let replyRanges = 0;
    let prevUpper: Bound = EMPTY_BOUND;
    const rest: Work[] = [];
    const sentFingerprints: SentFingerprint[] = [];
    for (const w of this.pending) {
      if (rest.length > 0) {
        rest.push(w);
        continue;
      }
      const group = splitRange(set, w.i, w.j, w.upperBytes, config);
      const fingerprints = this.fingerprintsOf(group, w);
      let estBytes = 0;
      let estRanges = 0;
      for (const g of group) {
        if (g.payload.case !== "items") continue;
        estBytes += 40 + 24 * g.payload.value.seqs.length;
        estRanges += 2;
      }
      for (const f of fingerprints) {
        const est = this.estimateReply(f.count);
        estBytes += est.bytes;
        estRanges += est.ranges;
      }
      if (prevUpper === null || compareBounds(w.lower, prevUpper) !== 0) writer.skip();
      const reserve = { bytes: replyBytes + estBytes, ranges: replyRanges + estRanges };
      if (!writer.tryAppend(w.lower, group, reserve)) {
        rest.push(w);
        continue;
      }
      replyBytes += estBytes;
      replyRanges += estRanges;
      sentFingerprints.push(...fingerprints);
      prevUpper = w.upper;
    }
    if (prevUpper !== null) writer.skip();
    this.pending = rest;
    this.sentFingerprints = sentFingerprints;
    return writer.finish();
  }

  /**
   * Expected reply to one fingerprint range of `count` items: it differs
   * with probability 1 - e^(-density * count) and is then answered with a
   * list (count <= T) or B fingerprints; else with (part of) a skip.
   */
  private estimateReply(count: number): { bytes: number; ranges: number } {
    const { branching, listThreshold } = this.config;
    const differs =
      this.density === Number.POSITIVE_INFINITY ? 1 : 1 - Math.exp(-this.density * count);
    const listed = count <= listThreshold;
    const answer = listed ? 24 * count + 12 : 28 * branching + 8;
    return { bytes: differs * answer + 8, ranges: differs * (listed ? 1 : branching) + 1 };
  }

  /** The fingerprint ranges of a described group, with their item counts. */
  private fingerprintsOf(group: readonly ReconcileRange[], w: Work): SentFingerprint[] {
    const out: SentFingerprint[] = [];
    let lower = w.lower;
    let i = w.i;
    for (const [k, g] of group.entries()) {
      const upper = k === group.length - 1 ? w.upper : g.upperBound;
      const j = upper === null ? w.j : this.set.lowerBound(upper, i);
      if (g.payload.case === "fingerprint")
        out.push({ lower, upper, count: j - i, differs: false });
      lower = g.upperBound;
      i = j;
    }
    return out;
  }

  /** Marks our last fingerprint ranges overlapping [lower, upper) as differing. */
  private markDiffering(cursor: number, lower: Uint8Array, upper: Bound): number {
    const sent = this.sentFingerprints;
    let c = cursor;
    while (c < sent.length && compareBounds((sent[c] as SentFingerprint).upper, lower) <= 0) c++;
    for (let k = c; k < sent.length; k++) {
      const s = sent[k] as SentFingerprint;
      if (upper !== null && compareBounds(s.lower, upper) >= 0) break;
      s.differs = true;
    }
    return c;
  }

  /** density = -ln(1 - share differing) / mean count, from the last round. */
  private updateDensity(): void {
    const sent = this.sentFingerprints;
    if (sent.length === 0) return;
    let differing = 0;
    let items = 0;
    for (const s of sent) {
      if (s.differs) differing++;
      items += s.count;
    }
    const share = differing / sent.length;
    this.density =
      share >= 1 || items === 0
        ? Number.POSITIVE_INFINITY
        : -Math.log(1 - share) / (items / sent.length);
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

  /** Responder's full listing of the range: we compute both directions. */
  private takeFullList(r: IncomingRange, list: ItemList): void {
    if (list.neededIds.length > 0) throw invalid("needed_ids outside a range we listed", r.index);
    const diff = diffList(this.set, r.i, r.j, list);
    for (const k of diff.theirNewer)
      this.addNeed(list.ids.subarray(k * ID_BYTES, (k + 1) * ID_BYTES));
    for (const k of diff.ownNewer)
      this.addHave(this.set.ids.subarray(k * ID_BYTES, (k + 1) * ID_BYTES));
  }

  /** Responder's answer to our list: its newer items and the ids it needs. */
  private takeDiffReply(r: IncomingRange, list: ItemList): void {
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

/**
 * Queued ranges not sent last round, plus the new mismatches, in order. A
 * new range can only cover queued ones when it is a responder's tail; it
 * then supersedes them. Any other overlap is a malformed reply.
 */
function mergeWork(old: readonly Work[], fresh: readonly Work[]): Work[] {
  if (old.length === 0) return [...fresh];
  const out: Work[] = [];
  let f = 0;
  for (const o of old) {
    while (f < fresh.length && compareBounds((fresh[f] as Work).upper, o.lower) <= 0)
      out.push(fresh[f++] as Work);
    const cur = fresh[f];
    if (cur !== undefined && compareBounds(cur.lower, o.upper) < 0) {
      // Overlap: allowed only when cur contains o.
      if (compareBounds(cur.lower, o.lower) > 0 || compareBounds(o.upper, cur.upper) > 0)
        throw invalid("a reply range crosses a range we have not sent yet");
      continue;
    }
    out.push(o);
  }
  while (f < fresh.length) out.push(fresh[f++] as Work);
  return out;
}

function wholeSpace(set: ReconcileSet): Work {
  return { lower: EMPTY_BOUND, upperBytes: EMPTY_BOUND, upper: null, i: 0, j: set.size };
}

function symbolsRequestRange(q: CodedSymbolsRequest): ReconcileRange {
  return create(ReconcileRangeSchema, {
    upperBound: EMPTY_BOUND,
    payload: { case: "symbolsRequest", value: q },
  });
}

/** A compact string key for a 16-byte id (8 UTF-16 code units). */
function idKey(id: Uint8Array): string {
  let key = "";
  for (let k = 0; k < ID_BYTES; k += 2)
    key += String.fromCharCode(((id[k] as number) << 8) | (id[k + 1] as number));
  return key;
}
