// reconcile-answers-at-rest: once the healed world rests, each live device
// is asked, over the simulated network by a linked peer, to reconcile its
// largest stream against exactly what it holds, with range rounds (every
// responder serves them, PROTOCOL.md §14 VR-7). Its items cannot change
// at rest, so its answers are judged exactly (§7, RECONCILE-SPEC §3):
// - ranges whose fingerprints equal its own are skipped: no range said;
// - a range claimed without its first item is answered either with the
//   responder's items of that range, exactly, or with sub-ranges covering
//   it whose fingerprints are the sums of the responder's items in them;
// - a short item list missing one item, one older and one newer than the
//   responder's is answered with exactly the first two (at the
//   responder's seqs) and the third as needed;
// - a range holding one item, claimed at another seq, is answered with
//   that item listed: a fingerprint of one item cannot be split, so
//   describing it so makes no progress (§7.5 Termination; any T >= 1);
// - a question of MAX_RANGES_PER_MESSAGE one-item ranges, every one
//   differing, is answered within the range limit: each range answered
//   truly, and the rest (if cut) by a tail whose fingerprint is the sum
//   of the responder's items from the tail's lower bound on (§7.5
//   "Responder at its limit").
// Every question is valid: it must be answered (never refused), and every
// answer must pass the protocol's own validator against its question.
// A replica whose fingerprints or diffs are wrong still converges (a false
// mismatch only costs rounds; a missed one waits for another peer), so
// only judging the answers themselves sees it.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { fingerprintOf, idFromHex, idToHex } from "@tidemark/engine";
import {
  ErrorReason,
  HelloRequestSchema,
  type ItemList,
  ItemListSchema,
  MAX_RANGES_PER_MESSAGE,
  PROTOCOL_VERSION,
  ProtocolError,
  type ReconcileRange,
  ReconcileRangeSchema,
  type ReconcileRequest,
  ReconcileRequestSchema,
  type ReconcileResponse,
  validateReconcileResponse,
} from "@tidemark/protocol";
import { REVISION_1_1_CAPABILITIES } from "../faults/range-only.js";
import { deviceIdOf, LIBRARY_ID } from "../ids.js";
import type { SimNode } from "../node.js";
import type { StreamRef } from "../probe/types.js";
import { linked } from "../scenario.js";
import type { SimWorld } from "../world.js";
import { RIBLT } from "./coded-symbols-opening.js";
import type { PropertyFailure } from "./property.js";

const NAME = "reconcile-answers-at-rest";
/** Virtual ms an answer may take at rest (a calm link; a lost one is not judged). */
const ANSWER_MS = 3_000;
/** Ranges the whole-space question is cut into. */
const PARTS = 4;
/** Items of the short list in the diff question (under any list threshold). */
const LIST_ITEMS = 8;

export type Item = { readonly id: Uint8Array; readonly hex: string; readonly seq: bigint };
/** A range [lower, upper) of ids; upper undefined = the end of the id space. */
export type Span = { readonly lower: string; readonly upper: string | undefined };

/** True when 16-byte id `hex` lies in `span` (bounds are zero-padded id prefixes, §2). */
export function inSpan(hex: string, span: Span): boolean {
  const below = (b: string) => hex.slice(0, b.length) < b;
  return (
    !(span.lower !== "" && below(span.lower)) && (span.upper === undefined || below(span.upper))
  );
}

export const itemsIn = (items: readonly Item[], span: Span) =>
  items.filter((x) => inSpan(x.hex, span));
export const fp = (items: readonly Item[]) => fingerprintOf(items);
/** Lowercase hex of any bytes (the engine's one spelling). */
export const hex: (b: Uint8Array) => string = idToHex;

export async function reconcileAnswersAtRest(
  world: SimWorld,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  // The questions below are the harness's own Reconcile calls, not the engine's.
  world.emit("phase", { name: NAME });
  for await (const pair of atRestPairs(world, world.liveMembers())) {
    const { a, b, largest } = pair;
    let wrong: string | undefined;
    const ask = async (ranges: ReconcileRange[]) => {
      const got = await callAtRest(world, a, b, largest.stream, ranges, progress);
      wrong ??= got.kind === "answer" ? invalidAnswer(got.req, got.res) : refusedValid(got);
      return got.kind === "answer" ? got.res : undefined;
    };
    const broken =
      (await agreeing(ask, largest.items)) ??
      (await oneLacking(ask, largest.items)) ??
      (await listDiff(ask, largest.items)) ??
      (await oneItemStale(ask, largest.items)) ??
      (await atTheRangeLimit(ask, largest.items)) ??
      wrong;
    if (broken !== undefined) return atRestFailure(NAME, pair, broken);
  }
  return undefined;
}

/** A device questioned at rest, the linked peer that asks it, and its largest stream. */
export type AtRest = {
  readonly a: SimNode;
  readonly b: SimNode;
  readonly largest: { readonly stream: StreamRef; readonly items: Item[] };
};

/**
 * Each of `devices` (in order) that holds a stream of two items or more,
 * with the first of `askers` linked to it: the pairs an at-rest property
 * questions.
 */
export async function* atRestPairs(
  world: SimWorld,
  devices: readonly SimNode[],
  askers: readonly SimNode[] = devices,
): AsyncGenerator<AtRest> {
  for (const b of devices) {
    const a = askers.find((x) => x !== b && linked(world.scenario, x.index, b.index));
    if (a === undefined) continue;
    const largest = await largestStream(b);
    if (largest !== undefined) yield { a, b, largest };
  }
}

/** An at-rest property's failure: who answered whom, on which stream, and what broke. */
export function atRestFailure(property: string, p: AtRest, broken: string): PropertyFailure {
  const { a, b, largest } = p;
  const stream = `${largest.stream.origin.slice(0, 8)}/${largest.stream.resource}`;
  return {
    property,
    devices: [a.index, b.index],
    detail: `d${b.index} answering d${a.index} on stream ${stream} (${largest.items.length} items): ${broken}`,
  };
}

/** The stream of `b` with the most items (tombstones included), and its items. */
export async function largestStream(
  b: SimNode,
): Promise<{ stream: StreamRef; items: Item[] } | undefined> {
  const probe = b.replica?.probe;
  if (probe === undefined) return undefined;
  let best: { stream: StreamRef; items: Item[] } | undefined;
  for (const w of await probe.watermarks()) {
    if (w.cursor === undefined || w.pulling) continue;
    const entries = await probe.entries(w.stream);
    if (best !== undefined && entries.length <= best.items.length) continue;
    best = {
      stream: w.stream,
      items: entries.map((e) => ({ id: idFromHex(e.id), hex: e.id, seq: e.seq })),
    };
  }
  return best !== undefined && best.items.length >= 2 ? best : undefined;
}

type Ask = (ranges: ReconcileRange[]) => Promise<ReconcileResponse | undefined>;

/**
 * How one question at rest ended: answered, refused (an error the
 * responder sent, as a Tidemark peer reads it: code and ErrorDetail), or
 * lost (no answer in time, or a transport failure: not judged).
 */
export type Outcome =
  | { readonly kind: "answer"; readonly req: ReconcileRequest; readonly res: ReconcileResponse }
  | { readonly kind: "refused"; readonly error: ProtocolError }
  | { readonly kind: "lost" };

/** Transport failures (§10 ER-2): the question never got the responder's word. */
const TRANSPORT = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled]);

/** Sends one Reconcile request from a to b and lets virtual time run until it is answered. */
export async function callAtRest(
  world: SimWorld,
  a: SimNode,
  b: SimNode,
  stream: StreamRef,
  ranges: ReconcileRange[],
  progress: (until: number) => Promise<unknown>,
  answerMs = ANSWER_MS,
): Promise<Outcome> {
  const [got] = await callAllAtRest(world, a, b, stream, [ranges], progress, answerMs);
  return got ?? { kind: "lost" };
}

/**
 * Sends Reconcile requests from a to b all at once (the responder keeps no
 * state between them, §7) and lets virtual time run until each is settled.
 * The harness's own calls, judged by no wire property of a's. A responder
 * that has no session for a (UNKNOWN_PEER: it requires a Hello, ER-5) gets
 * one, and the refused questions are asked once more.
 */
export function callAllAtRest(
  world: SimWorld,
  a: SimNode,
  b: SimNode,
  stream: StreamRef,
  questions: readonly ReconcileRange[][],
  progress: (until: number) => Promise<unknown>,
  answerMs = ANSWER_MS,
): Promise<Outcome[]> {
  return world.asHarness(a.index, async () => {
    const ask = (qs: readonly ReconcileRange[][]) =>
      askAllAtRest(world, a, b, stream, qs, progress, answerMs);
    const outcomes = await ask(questions);
    const again = questions.filter((_, k) => isUnknownPeer(outcomes[k]));
    if (again.length === 0 || !(await helloAtRest(world, a, b, progress, answerMs)))
      return outcomes;
    const answers = await ask(again);
    return outcomes.map((o) => (isUnknownPeer(o) ? (answers.shift() ?? o) : o));
  });
}

const isUnknownPeer = (o: Outcome | undefined) =>
  o?.kind === "refused" && o.error.reason === ErrorReason.UNKNOWN_PEER;

/** a says Hello to b at rest; true once b answered. */
async function helloAtRest(
  world: SimWorld,
  a: SimNode,
  b: SimNode,
  progress: (until: number) => Promise<unknown>,
  answerMs: number,
): Promise<boolean> {
  let answered: boolean | undefined;
  const req = create(HelloRequestSchema, {
    libraryId: idFromHex(LIBRARY_ID),
    deviceId: idFromHex(deviceIdOf(a.index)),
    protocolVersion: PROTOCOL_VERSION,
    // What revision 1.2 peers announce (PROTOCOL.md §14's registry).
    capabilities: [...REVISION_1_1_CAPABILITIES, RIBLT],
  });
  void world
    .clientOf(a.index, b.index)
    .hello(req)
    .then(
      () => {
        answered = true;
      },
      () => {
        answered = false;
      },
    );
  await runUntil(world, () => answered !== undefined, progress, answerMs);
  return answered === true;
}

/** Lets virtual time run until `done()` or `answerMs` passed. */
async function runUntil(
  world: SimWorld,
  done: () => boolean,
  progress: (until: number) => Promise<unknown>,
  answerMs: number,
): Promise<void> {
  const until = world.sched.now + answerMs;
  while (!done() && world.sched.now < until) {
    const before = world.sched.now;
    await progress(Math.min(until, before + 50));
    // A run stopped by a failure plays no more events: time stands still.
    if (world.sched.now === before) break;
  }
}

async function askAllAtRest(
  world: SimWorld,
  a: SimNode,
  b: SimNode,
  stream: StreamRef,
  questions: readonly ReconcileRange[][],
  progress: (until: number) => Promise<unknown>,
  answerMs: number,
): Promise<Outcome[]> {
  const outcomes: (Outcome | undefined)[] = questions.map(() => undefined);
  let open = questions.length;
  for (const [k, ranges] of questions.entries()) {
    const req = create(ReconcileRequestSchema, {
      libraryId: idFromHex(LIBRARY_ID),
      deviceId: idFromHex(deviceIdOf(a.index)),
      stream: { origin: idFromHex(stream.origin), resource: stream.resource },
      ranges,
    });
    const settle = (o: Outcome) => {
      outcomes[k] = o;
      open--;
    };
    void world
      .clientOf(a.index, b.index)
      .reconcile(req)
      .then(
        (res) => settle({ kind: "answer", req, res }),
        (err: unknown) =>
          settle(
            err instanceof ConnectError && !TRANSPORT.has(err.code)
              ? { kind: "refused", error: ProtocolError.fromConnectError(err) }
              : { kind: "lost" },
          ),
      );
  }
  await runUntil(world, () => open === 0, progress, answerMs);
  return outcomes.map((o) => o ?? { kind: "lost" });
}

/** Sends one Reconcile request from a to b: its answer, or undefined (refused or lost). */
export async function askAtRest(
  world: SimWorld,
  a: SimNode,
  b: SimNode,
  stream: StreamRef,
  ranges: ReconcileRange[],
  progress: (until: number) => Promise<unknown>,
): Promise<ReconcileResponse | undefined> {
  const got = await callAtRest(world, a, b, stream, ranges, progress);
  return got.kind === "answer" ? got.res : undefined;
}

/** Why a valid question's refusal is wrong (undefined when it was answered or lost). */
export function refusedValid(got: Outcome): string | undefined {
  if (got.kind !== "refused") return undefined;
  const e = got.error;
  return `a valid question was refused (${Code[e.code]}, ${ErrorReason[e.reason]}: ${e.rawMessage})`;
}

/** Why an answer breaks the protocol's own validator against its question, if it does. */
export function invalidAnswer(req: ReconcileRequest, res: ReconcileResponse): string | undefined {
  const valid = validateReconcileResponse(res, { request: req });
  return valid.ok
    ? undefined
    : `an answer the protocol's validator refuses: ${valid.error.message}`;
}

/** Cuts `items` into PARTS spans at item ids (the last open-ended). */
function spans(items: readonly Item[]): Span[] {
  const out: Span[] = [];
  let lower = "";
  for (let p = 1; p < PARTS; p++) {
    // Never below item 1: the first range holds at least one item.
    const at = items[Math.max(1, Math.floor((p * items.length) / PARTS))];
    if (at === undefined || at.hex <= lower) continue;
    out.push({ lower, upper: at.hex });
    lower = at.hex;
  }
  out.push({ lower, upper: undefined });
  return out;
}

export function fingerprintRanges(
  spansOf: readonly Span[],
  fps: readonly Uint8Array[],
): ReconcileRange[] {
  return spansOf.map((s, k) =>
    create(ReconcileRangeSchema, {
      upperBound: s.upper === undefined ? new Uint8Array(0) : idFromHex(s.upper),
      payload: { case: "fingerprint", value: fps[k] as Uint8Array },
    }),
  );
}

/** The reply's ranges with their spans, skips dropped. */
export function replySpans(res: ReconcileResponse): { span: Span; range: ReconcileRange }[] {
  const out: { span: Span; range: ReconcileRange }[] = [];
  let lower = "";
  for (const r of res.ranges) {
    const upper = r.upperBound.length === 0 ? undefined : hex(r.upperBound);
    if (r.payload.case !== "skip") out.push({ span: { lower, upper }, range: r });
    lower = upper ?? "";
  }
  return out;
}

/** Whole space, every range's fingerprint true: nothing to say. */
async function agreeing(ask: Ask, items: readonly Item[]): Promise<string | undefined> {
  const ss = spans(items);
  const res = await ask(
    fingerprintRanges(
      ss,
      ss.map((s) => fp(itemsIn(items, s))),
    ),
  );
  if (res === undefined) return undefined;
  const said = replySpans(res);
  if (said.length === 0) return undefined;
  const first = said[0] as { span: Span; range: ReconcileRange };
  return `asked with ${ss.length} ranges whose fingerprints equal its own items', it answered ${said.length} range(s) instead of skipping them (first: ${first.range.payload.case} up to ${first.span.upper ?? "the end"})`;
}

/** The first range claimed without its first item: the answer must describe the range truly. */
async function oneLacking(ask: Ask, items: readonly Item[]): Promise<string | undefined> {
  const ss = spans(items);
  const target = ss[0] as Span;
  if (itemsIn(items, target).length === 0) return undefined;
  const fps = ss.map((s, k) => fp(itemsIn(items, s).slice(k === 0 ? 1 : 0)));
  const res = await ask(fingerprintRanges(ss, fps));
  if (res === undefined) return undefined;
  const said = replySpans(res);
  const padded = (b: string | undefined) => (b === undefined ? "~" : b.padEnd(32, "0"));
  const outside = said.find((x) => padded(x.span.upper) > padded(target.upper));
  if (outside !== undefined)
    return `a range it holds exactly was answered (${outside.range.payload.case} from ${outside.span.lower || "the start"})`;
  if (said.length === 0) return "a range lacking its first item was skipped";
  const last = said.at(-1) as { span: Span };
  if (last.span.upper !== target.upper)
    return `the answer to a range ending at ${target.upper ?? "the end"} ends at ${last.span.upper ?? "the end"}`;
  for (const { span, range } of said) {
    const own = itemsIn(items, span);
    const p = range.payload;
    if (p.case === "fingerprint" && hex(p.value) !== hex(fp(own)))
      return `sub-range up to ${span.upper ?? "the end"} (${own.length} items) carries fingerprint ${hex(p.value)}, its items sum to ${hex(fp(own))}`;
    if (p.case === "items" && !sameList(p.value, own))
      return `listed ${p.value.seqs.length} items for a sub-range where it holds ${own.length} (up to ${span.upper ?? "the end"})`;
    if (p.case !== "fingerprint" && p.case !== "items")
      return `answered a differing range with ${p.case ?? "nothing"}`;
  }
  return undefined;
}

export function sameList(list: ItemList, own: readonly Item[]): boolean {
  return (
    list.seqs.length === own.length &&
    own.every(
      (x, k) => list.seqs[k] === x.seq && hex(list.ids.subarray(16 * k, 16 * k + 16)) === x.hex,
    )
  );
}

/**
 * A short list over the first items' range: one item left out, one a seq
 * older, one a seq newer than the responder holds. It must send the first
 * two (at its seqs) and need the third.
 */
async function listDiff(ask: Ask, items: readonly Item[]): Promise<string | undefined> {
  const n = Math.min(LIST_ITEMS, items.length - 1);
  const span: Span = { lower: "", upper: (items[n] as Item).hex };
  const mine = items.slice(0, n);
  const older = mine.findIndex((x, k) => k > 0 && x.seq > 1n);
  if (n < 3 || older < 0) return undefined;
  const newer = older === n - 1 ? 1 : n - 1;
  const listed = mine
    .map((x, k) =>
      k === older ? { ...x, seq: x.seq - 1n } : k === newer ? { ...x, seq: x.seq + 1n } : x,
    )
    .filter((_, k) => k !== 0);
  const ids = new Uint8Array(16 * listed.length);
  for (const [k, x] of listed.entries()) ids.set(x.id, 16 * k);
  const res = await ask([
    create(ReconcileRangeSchema, {
      upperBound: idFromHex(span.upper as string),
      payload: {
        case: "items",
        value: create(ItemListSchema, { ids, seqs: listed.map((x) => x.seq) }),
      },
    }),
    create(ReconcileRangeSchema, {
      upperBound: new Uint8Array(0),
      payload: {
        case: "fingerprint",
        value: fp(itemsIn(items, { lower: span.upper as string, upper: undefined })),
      },
    }),
  ]);
  if (res === undefined) return undefined;
  const said = replySpans(res);
  const reply = said.find((x) => x.span.lower === "" && x.range.payload.case === "items");
  if (said.length !== 1 || reply === undefined || reply.range.payload.case !== "items")
    return `a list lacking one item and off by a seq on two was answered with ${said.length} range(s), not one diff list`;
  const got = reply.range.payload.value;
  // Ascending already: item 0 comes before `older`.
  const offered = [mine[0], mine[older]] as Item[];
  const needed = hex(got.neededIds);
  if (!sameList(got, offered) || needed !== (mine[newer] as Item).hex)
    return `a list lacking ${mine[0]?.hex.slice(0, 8)}, older on ${mine[older]?.hex.slice(0, 8)} and newer on ${mine[newer]?.hex.slice(0, 8)} was answered with ids [${chunks(got.ids)}] and needed [${chunks(got.neededIds)}]`;
  return undefined;
}

const chunks = (b: Uint8Array) =>
  Array.from({ length: b.length / 16 }, (_, k) => hex(b.subarray(16 * k, 16 * k + 8))).join(", ");

/**
 * The range [start, item 1) holds only item 0; claimed at a newer seq, it
 * differs, and describe() of one item is a listing of it whatever T >= 1
 * the responder uses. Answered with a fingerprint instead, two such sides
 * would trade the same one-item range forever.
 */
async function oneItemStale(ask: Ask, items: readonly Item[]): Promise<string | undefined> {
  const [first, second] = items as [Item, Item];
  const span: Span = { lower: "", upper: second.hex };
  const rest: Span = { lower: second.hex, upper: undefined };
  const res = await ask(
    fingerprintRanges(
      [span, rest],
      [fp([{ ...first, seq: first.seq + 1n }]), fp(itemsIn(items, rest))],
    ),
  );
  if (res === undefined) return undefined;
  const said = replySpans(res);
  const only = said[0];
  if (
    said.length === 1 &&
    only?.range.payload.case === "items" &&
    sameList(only.range.payload.value, [first])
  )
    return undefined;
  const shape = said.map((x) => `${x.range.payload.case} up to ${x.span.upper ?? "the end"}`);
  return `a one-item range claimed at another seq was answered with [${shape.join("; ")}], not its item listed`;
}

/**
 * MAX_RANGES_PER_MESSAGE ranges of one item each (the last one to the end),
 * each claimed at another seq: only a stream of more items than that can be
 * asked so. Every range differs, so the answer cannot fit and must end in a
 * tail. Each range before the tail is described truly; the tail's
 * fingerprint is the sum of the responder's items from its lower bound on.
 */
async function atTheRangeLimit(ask: Ask, items: readonly Item[]): Promise<string | undefined> {
  if (items.length <= MAX_RANGES_PER_MESSAGE) return undefined;
  const asked: Span[] = [];
  for (let k = 0; k < MAX_RANGES_PER_MESSAGE; k++)
    asked.push({
      lower: k === 0 ? "" : (items[k] as Item).hex,
      upper: k === MAX_RANGES_PER_MESSAGE - 1 ? undefined : (items[k + 1] as Item).hex,
    });
  const claims = asked.map((span) => {
    const [head, ...tail] = itemsIn(items, span) as [Item, ...Item[]];
    return fp([{ ...head, seq: head.seq + 1n }, ...tail]);
  });
  const res = await ask(fingerprintRanges(asked, claims));
  if (res === undefined) return undefined;
  if (res.ranges.length > MAX_RANGES_PER_MESSAGE)
    return `asked with ${asked.length} differing ranges, it answered ${res.ranges.length} ranges (limit ${MAX_RANGES_PER_MESSAGE})`;
  const said = replySpans(res);
  const last = said.at(-1);
  const lastAsked = asked.at(-1) as Span;
  const isTail =
    last !== undefined &&
    last.span.upper === undefined &&
    last.range.payload.case === "fingerprint" &&
    last.span.lower < lastAsked.lower;
  const reach = isTail ? last.span.lower : undefined;
  const answered = isTail ? said.slice(0, -1) : said;
  if (isTail && hex(last.range.payload.value as Uint8Array) !== hex(fp(itemsIn(items, last.span))))
    return `its tail from ${last.span.lower} carries a fingerprint that is not the sum of its items there`;
  for (const { span, range } of answered) {
    const own = itemsIn(items, span);
    const p = range.payload;
    if (p.case === "items" && sameList(p.value, own)) continue;
    if (p.case === "fingerprint" && hex(p.value) === hex(fp(own))) continue;
    return `at the range limit, the range up to ${span.upper ?? "the end"} was answered with ${p.case} that does not describe its ${own.length} item(s)`;
  }
  const covered = new Set(answered.map((x) => x.span.lower));
  const missed = asked.find(
    (span) => (reach === undefined || span.lower < reach) && !covered.has(span.lower),
  );
  if (missed !== undefined)
    return `at the range limit, the differing range from ${missed.lower || "the start"} was left unanswered${isTail ? " before its tail" : " (no tail)"}`;
  return undefined;
}
