// reconcile-library-exact: the engine's sans-IO reconcile library (its
// README's "Reconciliation": ReconcileInitiator, ReconcileResponder and
// runReconciliation, what a host embeds on its own transport), run at
// rest over a live device's largest stream (its first MAX_ITEMS items by
// id). The initiator's side is that stream with a known difference made
// in it (items dropped, seqs raised or lowered on either side), so the
// outcome is known exactly (§7.1: the higher seq wins). At the reference
// limits, the small-limit devices' and the least frame the library
// accepts with no range cap, and at the first and last also with every
// seq lifted past 2^63 (seqs are u64, §7.1: 10-byte varints against the
// frame; the order, hence the outcome, is the same):
// - the first message's fingerprints are §6.1's sums of the items;
// - need and have are exactly the difference;
// - the run's stats count each message once (its roundTrips is the
//   initiator's), within §7.5's bound of the reference property test;
// - no message's encoded ranges exceed the frame limit (§7.5).
// And the library responder, given straight a message the protocol
// refuses for its bounds, sizes or order (the README's server snippet
// runs no validator; counts and seq >= 1 are the validator's alone), must
// throw an Invalid EngineError for each, never answer it: a replica's
// service validates first, so only a host embedding the library sees it.

import { create } from "@bufbuild/protobuf";
import {
  EngineErrorCode,
  idToHex,
  isEngineError,
  MIN_FRAME_SIZE_LIMIT,
  ReconcileInitiator,
  type ReconcileOptions,
  ReconcileResponder,
  type ReconcileRunStats,
  ReconcileSet,
  runReconciliation,
} from "@tidemark/engine";
import { type ReconcileRange, ReconcileResponseSchema } from "@tidemark/protocol";
import type { SimWorld } from "../world.js";
import type { PropertyFailure } from "./property.js";
import { malformedQuestions } from "./reconcile-refusals.js";
import {
  type AtRest,
  atRestFailure,
  atRestPairs,
  fp,
  hex,
  type Item,
  itemsIn,
  replySpans,
} from "./reconcile-rest.js";

const NAME = "reconcile-library-exact";
/** Past 2^63: every seq then needs a 10-byte varint (§7.6 sizes). */
const LIFT = 1n << 63n;
/** Items judged: the stream's first ones by id (a run at small limits costs rounds per item). */
const MAX_ITEMS = 256;

type Limits = {
  readonly what: string;
  readonly options: ReconcileOptions;
  /** Also run with seqs past 2^63 (where a 10-byte varint meets a frame limit). */
  readonly lifted?: true;
};
const LIMITS: readonly Limits[] = [
  { what: "the reference limits", options: {}, lifted: true },
  {
    what: "the small-limit devices' limits",
    options: { branching: 4, listThreshold: 4, frameSizeLimit: MIN_FRAME_SIZE_LIMIT, maxRanges: 7 },
  },
  {
    what: "the least frame, no range cap",
    options: { frameSizeLimit: MIN_FRAME_SIZE_LIMIT, maxRanges: 0, listThreshold: 64 },
    lifted: true,
  },
];

type Side = { id: Uint8Array; seq: bigint };
/** Both sides of a made difference, and the ids each must end up with (hex, sorted). */
export type DiffCase = {
  /** Each side's items, indexed once for every run over them. */
  readonly initiator: ReconcileSet;
  readonly responder: ReconcileSet;
  /** The initiator's items, for §6.1's fingerprints of its ranges. */
  readonly initiatorItems: readonly Item[];
  readonly need: string[];
  readonly have: string[];
};

/**
 * The responder holds `items`; the initiator lacks every 5th, holds every
 * 7th at a lower seq (when it can) and every 11th at a higher one; the
 * responder lacks every 9th. Seqs are lifted by `lift`.
 */
export function madeDifference(items: readonly Item[], lift: bigint): DiffCase {
  const initiator: Item[] = [];
  const responder: Side[] = [];
  const need: string[] = [];
  const have: string[] = [];
  for (const [k, x] of items.entries()) {
    const seq = x.seq + lift;
    if (k % 9 === 2) {
      initiator.push({ ...x, seq });
      have.push(x.hex);
      continue;
    }
    responder.push({ id: x.id, seq });
    if (k % 5 === 1) need.push(x.hex);
    else if (k % 7 === 3 && x.seq > 1n) {
      initiator.push({ ...x, seq: seq - 1n });
      need.push(x.hex);
    } else if (k % 11 === 4) {
      initiator.push({ ...x, seq: seq + 1n });
      have.push(x.hex);
    } else initiator.push({ ...x, seq });
  }
  return {
    initiator: new ReconcileSet(initiator),
    responder: new ReconcileSet(responder),
    initiatorItems: initiator,
    need: need.sort(),
    have: have.sort(),
  };
}

/** §7.5's bound of the reference property test, for d differences among at most n items. */
export function propertyTestBound(
  n: number,
  d: number,
  stats: ReconcileRunStats,
  o: ReconcileOptions,
): number {
  const b = o.branching ?? 8;
  const depth = Math.ceil(Math.log(Math.max(n, 2)) / Math.log(b)) + 2;
  const bytes = stats.bytesToResponder + stats.bytesToInitiator;
  const frame = o.frameSizeLimit ?? 1024 * 1024;
  const ranges = o.maxRanges ?? 256;
  return Math.ceil(
    2 * depth + (frame ? (4 * bytes) / frame : 0) + (ranges ? (4 * d * (b + 2)) / ranges : 0),
  );
}

/** Why one library run over `c` at `limits` is wrong, if it is. */
export function judgeRun(c: DiffCase, limits: Limits): string | undefined {
  const o = limits.options;
  const first = new ReconcileInitiator(c.initiator, o).initiate();
  for (const { span, range } of replySpans(create(ReconcileResponseSchema, { ranges: first }))) {
    if (range.payload.case !== "fingerprint") continue;
    if (hex(range.payload.value) !== hex(fp(itemsIn(c.initiatorItems, span))))
      return `the first message's fingerprint of [${span.lower}, ${span.upper ?? "end"}) is not §6.1's sum of its items`;
  }
  const initiator = new ReconcileInitiator(c.initiator, o);
  let stats: ReconcileRunStats;
  try {
    stats = runReconciliation(initiator, new ReconcileResponder(c.responder, o), 5_000);
  } catch (e) {
    return `the run failed: ${String(e)}`;
  }
  const need = initiator.need.map(idToHex).sort();
  const have = initiator.have.map(idToHex).sort();
  if (need.join() !== c.need.join() || have.join() !== c.have.join())
    return `need ${need.length} / have ${have.length} ids, the difference is ${c.need.length} / ${c.have.length}`;
  if (stats.roundTrips !== initiator.roundTrips)
    return `the run's stats count ${stats.roundTrips} round trips, the initiator sent ${initiator.roundTrips} messages`;
  const n = Math.max(c.initiator.size, c.responder.size);
  const bound = propertyTestBound(n, c.need.length + c.have.length, stats, o);
  if (stats.roundTrips > bound) return `${stats.roundTrips} round trips, §7.5's bound is ${bound}`;
  const frame = o.frameSizeLimit ?? 1024 * 1024;
  if (frame !== 0 && stats.maxMessageBytes > frame)
    return `a message of ${stats.maxMessageBytes} bytes of ranges, the frame limit is ${frame}`;
  return undefined;
}

/** Why the library responder answers a malformed question (or fails otherwise), if it does. */
export function judgeRefusal(
  items: readonly Item[] | ReconcileSet,
  what: string,
  ranges: ReconcileRange[],
) {
  try {
    const out = new ReconcileResponder(items).reconcile(ranges);
    return `a message with ${what} was answered (${out.length} ranges), not refused`;
  } catch (e) {
    if (isEngineError(e) && e.code === EngineErrorCode.Invalid) return undefined;
    return `a message with ${what} failed with ${String(e)}, not an Invalid EngineError`;
  }
}

/** Judged once per world, over the first questioned device's largest stream. */
export async function reconcileLibraryExact(world: SimWorld): Promise<PropertyFailure | undefined> {
  for await (const pair of atRestPairs(world, world.liveMembers())) {
    const broken = judgePair(pair);
    return broken === undefined ? undefined : atRestFailure(NAME, pair, broken);
  }
  return undefined;
}

function judgePair({ largest }: AtRest): string | undefined {
  const items = [...largest.items].sort((x, y) => (x.hex < y.hex ? -1 : 1)).slice(0, MAX_ITEMS);
  for (const lift of [0n, LIFT]) {
    const c = madeDifference(items, lift);
    for (const limits of LIMITS.filter((l) => lift === 0n || l.lifted === true)) {
      const wrong = judgeRun(c, limits);
      const seqs = lift === 0n ? "its seqs" : "seqs past 2^63";
      if (wrong !== undefined) return `the library at ${limits.what}, ${seqs}: ${wrong}`;
    }
  }
  const set = new ReconcileSet(items);
  for (const q of malformedQuestions(items)) {
    if (q.validatorOnly) continue;
    const wrong = judgeRefusal(set, q.what, q.ranges);
    if (wrong !== undefined) return `the library responder: ${wrong}`;
  }
  return undefined;
}
