// reconcile-library-exact: an implementation's sans-IO reconcile library
// (the reference's README, "Reconciliation": ReconcileInitiator,
// ReconcileResponder and runReconciliation, what a host embeds on its own
// transport), through the adapter's ReconcileLibrary, run at rest over a
// live device's largest stream (its first MAX_ITEMS items by id). The
// initiator's side is that stream with a known difference made in it
// (items dropped, seqs raised or lowered on either side), so the outcome
// is known exactly (§7.1: the higher seq wins). At the reference limits,
// the small-limit devices' and the least frame the reference accepts with
// no range cap, and at the first and last also with every seq lifted past
// 2^63 (seqs are u64, §7.1: 10-byte varints against the frame; the order,
// hence the outcome, is the same):
// - the first message's fingerprints are §6.1's sums of the items;
// - need and have are exactly the difference;
// - the run counts each message once (its round trips are the
//   initiator's messages), within §7.5's bound of the reference property
//   test;
// - no message's encoded ranges exceed the frame limit (§7.5).
// And the library responder, given straight a message the protocol
// refuses for its bounds, sizes or order (the README's server snippet
// runs no validator; counts and seq >= 1 are the validator's alone), must
// refuse it as invalid, never answer it: a replica's service validates
// first, so only a host embedding the library sees it. An implementation
// without a library is not judged.
import { create } from "@bufbuild/protobuf";
import { ReconcileResponseSchema } from "@tidemark/protocol";
import type { LibraryLimits, LibraryRun, ReconcileLibrary } from "../probe/probe.js";
import type { SimWorld } from "../world.js";
import type { PropertyFailure } from "./property.js";
import { type Malformed, malformedQuestions } from "./reconcile-refusals.js";
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
/** The least frame limit the reference accepts (its MIN_FRAME_SIZE_LIMIT). */
const LEAST_FRAME = 4096;
/** Round trips after which a run is given up (far above any bound judged here). */
const MAX_ROUND_TRIPS = 5_000;

export type Limits = {
  readonly what: string;
  readonly options: LibraryLimits;
  /** Also run with seqs past 2^63 (where a 10-byte varint meets a frame limit). */
  readonly lifted?: true;
};
export const LIMITS: readonly Limits[] = [
  { what: "the reference limits", options: {}, lifted: true },
  {
    what: "the small-limit devices' limits",
    options: { branching: 4, listThreshold: 4, frameSizeLimit: LEAST_FRAME, maxRanges: 7 },
  },
  {
    what: "the least frame, no range cap",
    options: { frameSizeLimit: LEAST_FRAME, maxRanges: 0, listThreshold: 64 },
    lifted: true,
  },
];

/** Both sides of a made difference, and the ids each must end up with (hex, sorted). */
export type DiffCase = {
  readonly initiator: readonly Item[];
  readonly responder: readonly Item[];
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
  const responder: Item[] = [];
  const need: string[] = [];
  const have: string[] = [];
  for (const [k, x] of items.entries()) {
    const seq = x.seq + lift;
    if (k % 9 === 2) {
      initiator.push({ ...x, seq });
      have.push(x.hex);
      continue;
    }
    responder.push({ ...x, seq });
    if (k % 5 === 1) need.push(x.hex);
    else if (k % 7 === 3 && x.seq > 1n) {
      initiator.push({ ...x, seq: seq - 1n });
      need.push(x.hex);
    } else if (k % 11 === 4) {
      initiator.push({ ...x, seq: seq + 1n });
      have.push(x.hex);
    } else initiator.push({ ...x, seq });
  }
  return { initiator, responder, need: need.sort(), have: have.sort() };
}

/** §7.5's bound of the reference property test, for d differences among at most n items. */
export function propertyTestBound(n: number, d: number, run: LibraryRun, o: LibraryLimits) {
  const b = o.branching ?? 8;
  const depth = Math.ceil(Math.log(Math.max(n, 2)) / Math.log(b)) + 2;
  const frame = o.frameSizeLimit ?? 1024 * 1024;
  const ranges = o.maxRanges ?? 256;
  return Math.ceil(
    2 * depth + (frame ? (4 * run.bytes) / frame : 0) + (ranges ? (4 * d * (b + 2)) / ranges : 0),
  );
}

/** Why one library run over `c` at `limits` is wrong, if it is. */
export function judgeRun(lib: ReconcileLibrary, c: DiffCase, limits: Limits): string | undefined {
  const o = limits.options;
  const first = lib.firstMessage(c.initiator, o);
  const said = replySpans(create(ReconcileResponseSchema, { ranges: [...first] }));
  for (const { span, range } of said) {
    if (range.payload.case !== "fingerprint") continue;
    if (hex(range.payload.value) !== hex(fp(itemsIn(c.initiator, span))))
      return `the first message's fingerprint of [${span.lower}, ${span.upper ?? "end"}) is not §6.1's sum of its items`;
  }
  let run: LibraryRun;
  try {
    run = lib.run(c.initiator, c.responder, o, MAX_ROUND_TRIPS);
  } catch (e) {
    return `the run failed: ${String(e)}`;
  }
  const need = [...run.need].sort();
  const have = [...run.have].sort();
  if (need.join() !== c.need.join() || have.join() !== c.have.join())
    return `need ${need.length} / have ${have.length} ids, the difference is ${c.need.length} / ${c.have.length}`;
  if (run.roundTrips !== run.messages)
    return `the run counts ${run.roundTrips} round trips, its initiator sent ${run.messages} messages`;
  const n = Math.max(c.initiator.length, c.responder.length);
  const bound = propertyTestBound(n, c.need.length + c.have.length, run, o);
  if (run.roundTrips > bound) return `${run.roundTrips} round trips, §7.5's bound is ${bound}`;
  const frame = o.frameSizeLimit ?? 1024 * 1024;
  if (frame !== 0 && run.maxMessageBytes > frame)
    return `a message of ${run.maxMessageBytes} bytes of ranges, the frame limit is ${frame}`;
  return undefined;
}

/** Why the library responder takes a malformed question otherwise than as invalid, if it does. */
export function judgeRefusal(
  lib: ReconcileLibrary,
  items: readonly Item[],
  q: Malformed,
): string | undefined {
  const got = lib.respond(items, q.ranges);
  if (got.kind === "invalid") return undefined;
  if (got.kind === "answer")
    return `a message with ${q.what} was answered (${got.ranges.length} ranges), not refused`;
  return `a message with ${q.what} failed with ${got.error}, not refused as invalid`;
}

/** Judged once per world, over the first questioned device's largest stream. */
export async function reconcileLibraryExact(world: SimWorld): Promise<PropertyFailure | undefined> {
  const lib = world.adapter.reconcileLibrary;
  if (lib === undefined) return undefined;
  for await (const pair of atRestPairs(world, world.liveMembers())) {
    const broken = judgePair(lib, pair);
    return broken === undefined ? undefined : atRestFailure(NAME, pair, broken);
  }
  return undefined;
}

function judgePair(lib: ReconcileLibrary, { largest }: AtRest): string | undefined {
  const items = [...largest.items].sort((x, y) => (x.hex < y.hex ? -1 : 1)).slice(0, MAX_ITEMS);
  for (const lift of [0n, LIFT]) {
    const c = madeDifference(items, lift);
    for (const limits of LIMITS.filter((l) => lift === 0n || l.lifted === true)) {
      const wrong = judgeRun(lib, c, limits);
      const seqs = lift === 0n ? "its seqs" : "seqs past 2^63";
      if (wrong !== undefined) return `the library at ${limits.what}, ${seqs}: ${wrong}`;
    }
  }
  for (const q of malformedQuestions(items)) {
    if (q.validatorOnly) continue;
    const wrong = judgeRefusal(lib, items, q);
    if (wrong !== undefined) return `the library responder: ${wrong}`;
  }
  return undefined;
}
