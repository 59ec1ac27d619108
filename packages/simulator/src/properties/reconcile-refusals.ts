// reconcile-refusals-at-rest: a lying initiator, judged at rest. Once the
// healed world rests, the harness asks each live device, over the network
// from a linked peer, Reconcile questions about its largest stream that an
// honest initiator never asks (PROTOCOL.md §7.1–7.6):
// - malformed ones (too many ranges, bounds not ascending or not tiling,
//   bounds over 16 bytes, fingerprints of the wrong length, a range without
//   payload, coded symbols in a request, item lists unsorted, repeated,
//   outside their range, over their limit or with seqs of 0, and needed ids
//   in a request, §7.4's "every items payload of a request is a full
//   listing") must be refused with the code and reason §10 gives
//   (the protocol's validator's verdict, MALFORMED -> invalid_argument for
//   needed ids): never answered, never an internal error;
// - valid ones at the edges must be answered exactly: a listing whose
//   first id is its range's lower bound at the top seq; a listing without
//   differences ahead of a differing range; a stream it does not hold
//   (RC-3: no ranges, no cursor); every range differing at the
//   range limit and at the frame limit (§7.5 "Responder at its limit",
//   sizes of §7.6: the reference's 1 MiB of encoded ranges), where the
//   reply must answer each range while the next answer and room for two
//   more ranges fit, then end with a true tail — cut neither earlier nor
//   later.
// A responder that answers what it must refuse, or refuses or mis-cuts
// what it must answer, still converges with honest peers: they never ask
// such questions. Only asking them sees it. Nothing counts an invalid
// request in the engine's metrics (there is no such series), so only the
// wire is judged.
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { idFromHex } from "@tidemark/engine";
import {
  CodedSymbolsSchema,
  DEFAULT_CODE,
  ErrorReason,
  ItemListSchema,
  MAX_IDS_PER_ITEM_LIST,
  MAX_RANGES_PER_MESSAGE,
  type ProtocolError,
  type ReconcileRange,
  ReconcileRangeSchema,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
  validateReconcileRequest,
} from "@tidemark/protocol";
import { LIBRARY_ID } from "../ids.js";
import type { SimNode } from "../node.js";
import type { StreamRef } from "../probe/types.js";
import type { SimWorld } from "../world.js";
import type { PropertyFailure } from "./property.js";
import {
  atRestFailure,
  atRestPairs,
  callAllAtRest,
  callAtRest,
  fp,
  hex,
  type Item,
  invalidAnswer,
  itemsIn,
  type Outcome,
  refusedValid,
  sameList,
} from "./reconcile-rest.js";

const NAME = "reconcile-refusals-at-rest";
/** Virtual ms a question at the frame limit may take (a megabyte each way on a slow link). */
const LARGE_ANSWER_MS = 10_000;
/** The reference's frame limit (§7.5): encoded bytes of one message's ranges. */
const FRAME_LIMIT = 1024 * 1024;
/** Room a responder at its limit keeps for two more ranges (§7.5), in the worst case (§7.6). */
const ROOM_BYTES = rangeBytes(skip(new Uint8Array(16))) + rangeBytes(fpRange(new Uint8Array(0)));
const ROOM_RANGES = 2;
/** Where the limit questions' made-up items live: above every item the responder holds. */
const HIGH = 0x80;

type Progress = (until: number) => Promise<unknown>;
type Ask = (questions: ReconcileRange[][], answerMs?: number) => Promise<Outcome[]>;

export async function reconcileRefusalsAtRest(
  world: SimWorld,
  progress: Progress,
): Promise<PropertyFailure | undefined> {
  world.emit("phase", { name: NAME });
  const live = world.liveMembers();
  // One responder per world (every device runs the same code; the
  // questions cost): a revision 1.1 one if there is one, one built with
  // other limits last (the limits judged exactly here are the reference's).
  const rangeOnly = new Set(world.scenario.rangeOnly ?? []);
  const small = new Set(world.scenario.smallLimits ?? []);
  const rank = (n: { index: number }) => (small.has(n.index) ? 2 : rangeOnly.has(n.index) ? 0 : 1);
  const order = [...live].sort((x, y) => rank(x) - rank(y));
  for await (const pair of atRestPairs(world, order, live)) {
    const { a, b, largest } = pair;
    const ask: Ask = (questions, answerMs) =>
      world.asHarness(a.index, () =>
        callAllAtRest(world, a, b, largest.stream, questions, progress, answerMs),
      );
    // A frame-limit question moves megabytes: asked only of a revision 1.1
    // responder (range rounds are its reconcile), filled to the byte or one
    // byte over by the world's name and seed (both are seen).
    const over = !rangeOnly.has(pair.b.index)
      ? undefined
      : (world.scenario.name.length + world.scenario.seed) % 2;
    const broken =
      (await refusesMalformed(ask, largest.stream, largest.items)) ??
      (await answersValid(ask, largest.items, over)) ??
      (await notHeld(world, a, b, largest.stream, progress));
    return broken === undefined ? undefined : atRestFailure(NAME, pair, broken);
  }
  return undefined;
}

// ---- ranges -------------------------------------------------------------

function skip(upper: Uint8Array): ReconcileRange {
  return create(ReconcileRangeSchema, {
    upperBound: upper,
    payload: { case: "skip", value: true },
  });
}

function fpRange(upper: Uint8Array, value: Uint8Array = new Uint8Array(16)): ReconcileRange {
  return create(ReconcileRangeSchema, {
    upperBound: upper,
    payload: { case: "fingerprint", value },
  });
}

function listRange(
  upper: Uint8Array,
  ids: readonly Uint8Array[],
  seqs: readonly bigint[],
  needed: readonly Uint8Array[] = [],
): ReconcileRange {
  return packedList(upper, packed(ids), seqs, packed(needed));
}

/** An item list of ids packed already (16 bytes each). */
function packedList(
  upper: Uint8Array,
  ids: Uint8Array,
  seqs: readonly bigint[],
  neededIds: Uint8Array = END,
): ReconcileRange {
  return create(ReconcileRangeSchema, {
    upperBound: upper,
    payload: { case: "items", value: create(ItemListSchema, { ids, seqs: [...seqs], neededIds }) },
  });
}

function packed(ids: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(16 * ids.length);
  for (const [k, id] of ids.entries()) out.set(id, 16 * k);
  return out;
}

/** Encoded bytes of one range in a message's repeated field (§7.6), by the protobuf encoder. */
function rangeBytes(r: ReconcileRange): number {
  return toBinary(ReconcileResponseSchema, create(ReconcileResponseSchema, { ranges: [r] })).length;
}

const bytes = (...b: number[]) => new Uint8Array(b);
const END = new Uint8Array(0);
/** A 16-byte id: `head` then zeros, the last byte `last`. */
function id(head: readonly number[], last = 0): Uint8Array {
  const out = new Uint8Array(16);
  out.set(head);
  out[15] = last;
  return out;
}

// ---- questions the responder must refuse --------------------------------

export type Malformed = {
  readonly what: string;
  readonly ranges: ReconcileRange[];
  /** A count limit or field rule only the protocol's validator holds (not the engine's library). */
  readonly validatorOnly?: true;
};

/** Questions §7 refuses, about `items` (two or more, ascending): one per rule. */
export function malformedQuestions(items: readonly Item[]): Malformed[] {
  const [x, y] = items as [Item, Item];
  const many = Array.from({ length: MAX_RANGES_PER_MESSAGE + 1 }, (_, k) =>
    skip(k === MAX_RANGES_PER_MESSAGE ? END : bytes(1 + (k >> 8), k & 0xff)),
  );
  const tooMany = Array.from({ length: MAX_IDS_PER_ITEM_LIST + 1 }, (_, k) =>
    id([HIGH, k >> 8, k & 0xff]),
  );
  const all = (upper = END) => ({ upper, ids: [x.id, y.id], seqs: [x.seq, y.seq] });
  const whole = all();
  return [
    { what: `${MAX_RANGES_PER_MESSAGE + 1} ranges`, ranges: many, validatorOnly: true },
    { what: "a repeated bound", ranges: [skip(bytes(HIGH)), skip(bytes(HIGH)), skip(END)] },
    {
      what: "bounds equal once padded (01, 0100)",
      ranges: [skip(bytes(1)), skip(bytes(1, 0)), skip(END)],
    },
    { what: "a first bound at the all-zero id", ranges: [skip(bytes(0)), skip(END)] },
    { what: "a last range not open-ended", ranges: [skip(bytes(HIGH))] },
    { what: "an empty bound before the last range", ranges: [skip(END), skip(END)] },
    { what: "a bound of 17 bytes", ranges: [skip(new Uint8Array(17).fill(HIGH)), skip(END)] },
    { what: "a fingerprint of 15 bytes", ranges: [fpRange(END, new Uint8Array(15))] },
    { what: "a fingerprint of 17 bytes", ranges: [fpRange(END, new Uint8Array(17))] },
    {
      what: "a range without payload",
      ranges: [create(ReconcileRangeSchema, { upperBound: END })],
    },
    {
      what: "coded symbols (a reply's payload) in a request",
      ranges: [
        create(ReconcileRangeSchema, {
          upperBound: END,
          payload: { case: "symbols", value: create(CodedSymbolsSchema) },
        }),
      ],
    },
    { what: "item ids descending", ranges: [listRange(END, [y.id, x.id], [y.seq, x.seq])] },
    { what: "an item id listed twice", ranges: [listRange(END, [x.id, x.id], [x.seq, x.seq])] },
    {
      what: "an item below its range's lower bound",
      ranges: [skip(y.id), listRange(END, [x.id, y.id], [x.seq, y.seq])],
    },
    {
      what: "an item above its range's bound",
      ranges: [listRange(bytes(HIGH), [id([0xff])], [1n]), skip(END)],
    },
    {
      what: "item ids not a multiple of 16 bytes",
      ranges: [
        create(ReconcileRangeSchema, {
          upperBound: END,
          payload: {
            case: "items",
            value: create(ItemListSchema, { ids: new Uint8Array(17), seqs: [1n] }),
          },
        }),
      ],
    },
    { what: "more seqs than ids", ranges: [listRange(END, whole.ids, [...whole.seqs, 1n])] },
    { what: "a seq of 0", ranges: [listRange(END, whole.ids, [x.seq, 0n])], validatorOnly: true },
    {
      what: `${MAX_IDS_PER_ITEM_LIST + 1} items in one list`,
      ranges: [
        listRange(
          END,
          tooMany,
          tooMany.map(() => 1n),
        ),
      ],
      validatorOnly: true,
    },
    // Valid to the validator: only §7.4 forbids it (a request's lists are full listings).
    {
      what: "needed ids in a request's list",
      ranges: [listRange(END, whole.ids, whole.seqs, [x.id])],
    },
  ];
}

/** The refusal §10 asks for: the protocol's validator's, or MALFORMED where it has none. */
function expectedRefusal(stream: StreamRef, ranges: ReconcileRange[]): ErrorReason {
  const req = create(ReconcileRequestSchema, {
    libraryId: idFromHex(LIBRARY_ID),
    deviceId: new Uint8Array(16).fill(1),
    stream: { origin: idFromHex(stream.origin), resource: stream.resource },
    ranges,
  });
  const v = validateReconcileRequest(req, { libraryId: idFromHex(LIBRARY_ID) });
  return v.ok ? ErrorReason.MALFORMED : v.error.reason;
}

const refusalName = (e: ProtocolError) => `${Code[e.code]} ${ErrorReason[e.reason]}`;

async function refusesMalformed(
  ask: Ask,
  stream: StreamRef,
  items: readonly Item[],
): Promise<string | undefined> {
  const qs = malformedQuestions(items);
  const outcomes = await ask(qs.map((q) => q.ranges));
  for (const [k, q] of qs.entries()) {
    const reason = expectedRefusal(stream, q.ranges);
    const code = DEFAULT_CODE[reason];
    const got = outcomes[k] as Outcome;
    if (got.kind === "lost") continue;
    if (got.kind === "answer")
      return `a request with ${q.what} was answered (${got.res.ranges.length} ranges), not refused with ${Code[code]} ${ErrorReason[reason]}`;
    if (got.error.code !== code || got.error.reason !== reason)
      return `a request with ${q.what} was refused with ${refusalName(got.error)}, not ${Code[code]} ${ErrorReason[reason]}`;
  }
  return undefined;
}

// ---- valid questions at the edges ---------------------------------------

/**
 * [start, x) and [z, end) claimed truly, [x, z) listing x (its range's
 * lower bound, a 16-byte bound) at the top u64 seq: the only answer is one
 * diff reply over [x, z) needing x.
 */
function lowerEdge(items: readonly Item[]): Valid | undefined {
  if (items.length < 3) return undefined;
  const [, x, z] = items as [Item, Item, Item];
  return exactly(
    "a listing of its range's lower bound at the top seq",
    [
      fpRange(x.id, fp(itemsIn(items, { lower: "", upper: x.hex }))),
      listRange(z.id, [x.id], [2n ** 64n - 1n]),
      fpRange(END, fp(itemsIn(items, { lower: z.hex, upper: undefined }))),
    ],
    [skip(x.id), listRange(z.id, [], [], [x.id]), skip(END)],
  );
}

/** Items listed ahead of a differing range (under any list threshold). */
const LISTED = 4;

/**
 * [start, x) listed exactly as the responder holds it, [x, end) claimed
 * with its first item at a newer seq: the listing has no difference (a
 * skip up to x), and [x, end) is described truly from x on — each
 * fingerprint the sum of its items there, each listing exactly them.
 */
function listedThenDiffering(items: readonly Item[]): Valid | undefined {
  const k = Math.min(LISTED, items.length - 1);
  const x = items[k] as Item;
  const head = items.slice(0, k);
  const [first, ...rest] = items.slice(k) as [Item, ...Item[]];
  const what = "a listing without differences ahead of a differing range";
  const judge = (got: readonly ReconcileRange[]): string | undefined => {
    const lead = got[0];
    if (lead?.payload.case !== "skip" || hex(lead.upperBound) !== x.hex)
      return `${what} was answered starting with ${lead?.payload.case ?? "nothing"} up to ${hex(lead?.upperBound ?? END) || "the end"}, not a skip up to ${x.hex}`;
    let lower = x.hex;
    for (const r of got.slice(1)) {
      const upper = r.upperBound.length === 0 ? undefined : hex(r.upperBound);
      const own = itemsIn(items, { lower, upper });
      const p = r.payload;
      const untrue =
        (p.case === "fingerprint" && hex(p.value) !== hex(fp(own))) ||
        (p.case === "items" && (p.value.neededIds.length > 0 || !sameList(p.value, own)));
      if (untrue)
        return `${what}: its ${p.case} from ${lower} up to ${upper ?? "the end"} does not describe its ${own.length} item(s) there`;
      lower = upper ?? "";
    }
    return undefined;
  };
  return {
    what,
    ranges: [
      listRange(
        x.id,
        head.map((h) => h.id),
        head.map((h) => h.seq),
      ),
      fpRange(END, fp([{ ...first, seq: first.seq + 1n }, ...rest])),
    ],
    judge,
  };
}

/** RC-3: a stream the responder does not hold: no ranges, no changes, no cursor. */
async function notHeld(
  world: SimWorld,
  a: SimNode,
  b: SimNode,
  held: StreamRef,
  progress: Progress,
): Promise<string | undefined> {
  // An origin no device of the library has: nobody holds its streams.
  const stream: StreamRef = { origin: "ee".repeat(16), resource: held.resource };
  const got = await callAtRest(
    world,
    a,
    b,
    stream,
    [fpRange(END, new Uint8Array(16).fill(1))],
    progress,
  );
  if (got.kind !== "answer") return refusedValid(got);
  const r = got.res;
  if (r.ranges.length > 0 || r.cursor !== undefined || r.changes.length > 0)
    return `a stream it does not hold was answered with ${r.ranges.length} ranges, ${r.changes.length} changes and cursor ${r.cursor ?? "none"} (RC-3: none of them)`;
  return undefined;
}

/** Compares two range lists by their encoding; says what differs first. */
function differs(got: readonly ReconcileRange[], want: readonly ReconcileRange[], what: string) {
  const enc = (rs: readonly ReconcileRange[]) =>
    Buffer.from(
      toBinary(ReconcileResponseSchema, create(ReconcileResponseSchema, { ranges: [...rs] })),
    );
  // A reply that says only skip is sent empty (§7.1).
  const wanted = want.every((r) => r.payload.case === "skip") ? [] : want;
  if (enc(got).equals(enc(wanted))) return undefined;
  const k = wanted.findIndex(
    (r, i) => got[i] === undefined || !enc([r]).equals(enc([got[i] as ReconcileRange])),
  );
  const shape = (r: ReconcileRange | undefined) =>
    r === undefined
      ? "nothing"
      : `${r.payload.case} up to ${r.upperBound.length === 0 ? "the end" : hex(r.upperBound)}`;
  return `${what} was answered with ${got.length} ranges, not ${wanted.length}: range ${k < 0 ? wanted.length : k} is ${shape(got[k < 0 ? wanted.length : k])}, not ${shape(wanted[k])}`;
}

// ---- at the responder's limits ------------------------------------------

/** One asked range of made-up ids the responder lacks: it must answer needing them all. */
type Cell = { readonly upper: Uint8Array; readonly ids: Uint8Array };

/**
 * The answer §7.5 prescribes when every cell differs: a skip up to HIGH,
 * then each cell's diff reply while it, and room for two more ranges, fit
 * the range and frame limits (the first always fits), then a tail from the
 * first cell left out with the responder's fingerprint of [its lower, end)
 * — zero: it holds nothing at or above HIGH.
 */
function expectedAtLimit(cells: readonly Cell[]): ReconcileRange[] {
  const out = [skip(bytes(HIGH))];
  let size = rangeBytes(out[0] as ReconcileRange);
  for (const [k, c] of cells.entries()) {
    const answer = packedList(c.upper, END, [], c.ids);
    const s = rangeBytes(answer);
    const fits =
      size + s + ROOM_BYTES <= FRAME_LIMIT &&
      out.length + 1 + ROOM_RANGES <= MAX_RANGES_PER_MESSAGE;
    if (k > 0 && !fits) return [...out, fpRange(END, fp([]))];
    out.push(answer);
    size += s;
  }
  return out;
}

/** [start, HIGH) claimed truly (all the responder holds), then the cells. */
function question(items: readonly Item[], cells: readonly Cell[]): ReconcileRange[] {
  return [
    fpRange(bytes(HIGH), fp(itemsIn(items, { lower: "", upper: HIGH.toString(16) }))),
    ...cells.map((c) => packedList(c.upper, c.ids, new Array<bigint>(c.ids.length / 16).fill(1n))),
  ];
}

/**
 * MAX_RANGES_PER_MESSAGE - 1 cells of one made-up id each, half a first
 * byte wide: cell k is [HIGH + k/2, (k mod 2)·0x80) up to the next one.
 */
function rangeLimitCells(): Cell[] {
  const n = MAX_RANGES_PER_MESSAGE - 1;
  const at = (k: number) => [HIGH + (k >> 1), (k & 1) * 0x80];
  return Array.from({ length: n }, (_, k) => ({
    upper: k === n - 1 ? END : bytes(...at(k + 1)),
    ids: id([...at(k), 1]),
  }));
}

/** Cell k's made-up ids, packed: m of them in [HIGH + k, HIGH + k + 1). */
function fakes(k: number, m: number): Uint8Array {
  const out = new Uint8Array(16 * m);
  for (let j = 0; j < m; j++) out.set([HIGH + k, 0x10, j >> 8, j & 0xff], 16 * j);
  return out;
}

/** A bound of `len` bytes just above HIGH + k + 1 (zeros, then 1), below cell k + 1's ids. */
function boundOf(k: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out[0] = HIGH + k + 1;
  if (len > 1) out[len - 1] = 1;
  return out;
}

/**
 * Cells whose answers fill the frame limit to the byte (`over` 0: the
 * last full cell fits with room for two ranges exactly) or one byte past
 * it (`over` 1: it must be left to the tail), then two one-id cells. Bound
 * lengths (1..16 bytes) tune the size a byte at a time; lengths at varint
 * steps (128, 16 384 bytes) are among the sizes to count.
 */
function frameCells(over: number): Cell[] {
  // An answer's size depends on its ids' count, not their bytes.
  const size = (k: number, m: number, len: number) =>
    rangeBytes(packedList(boundOf(k, len), END, [], new Uint8Array(16 * m)));
  const full = size(0, MAX_IDS_PER_ITEM_LIST, 1);
  let room = FRAME_LIMIT - ROOM_BYTES - rangeBytes(skip(bytes(HIGH)));
  const cells: Cell[] = [];
  const add = (m: number, len: number) => {
    const k = cells.length;
    room -= size(k, m, len);
    cells.push({ upper: boundOf(k, len), ids: fakes(k, m) });
  };
  // 8 ids: a field of 128 bytes, the first length of a 2-byte varint.
  add(8, 1);
  while (room >= 1.5 * full) add(MAX_IDS_PER_ITEM_LIST, 1);
  if (room > size(0, MAX_IDS_PER_ITEM_LIST, 16)) add(MAX_IDS_PER_ITEM_LIST / 2, 1);
  const k = cells.length;
  const tuned = tune((m, len) => size(k, m, len), room + over);
  if (tuned === undefined) return [];
  add(tuned.m, tuned.len);
  cells.push({ upper: boundOf(k + 1, 1), ids: fakes(k + 1, 1) });
  cells.push({ upper: END, ids: fakes(k + 2, 1) });
  return cells;
}

/** Some (ids, bound length) whose answer is exactly `target` bytes. */
function tune(
  size: (m: number, len: number) => number,
  target: number,
): { m: number; len: number } | undefined {
  for (let len = 1; len <= 16; len++) {
    let lo = 1;
    let hi = MAX_IDS_PER_ITEM_LIST;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (size(mid, len) <= target) lo = mid;
      else hi = mid - 1;
    }
    if (size(lo, len) === target) return { m: lo, len };
  }
  return undefined;
}

/** A valid question and a judge of its answer's ranges (why they are wrong, if they are). */
type Valid = {
  readonly what: string;
  readonly ranges: ReconcileRange[];
  readonly judge: (got: readonly ReconcileRange[]) => string | undefined;
};

/** A question whose one answer §7.5 allows is `answer`. */
const exactly = (what: string, ranges: ReconcileRange[], answer: ReconcileRange[]): Valid => ({
  what,
  ranges,
  judge: (got) => differs(got, answer, what),
});

/** Questions at the range and frame limits (`over`: which frame question, if any). */
function atLimits(items: readonly Item[], over: number | undefined): Valid[] {
  // Only where the responder holds nothing at or above HIGH.
  if (items.some((x) => (x.id[0] as number) >= HIGH)) return [];
  const asks: { what: string; cells: Cell[] }[] = [
    { what: "every range differing at the range limit", cells: rangeLimitCells() },
  ];
  if (over !== undefined)
    asks.push({
      what: `ranges differing up to ${over === 0 ? "exactly" : "one byte over"} the frame limit`,
      cells: frameCells(over),
    });
  return asks
    .filter((q) => q.cells.length > 0)
    .map((q) => exactly(q.what, question(items, q.cells), expectedAtLimit(q.cells)));
}

/** Valid questions, asked at once: each answered exactly as §7.5 prescribes. */
async function answersValid(
  ask: Ask,
  items: readonly Item[],
  over: number | undefined,
): Promise<string | undefined> {
  const qs = [lowerEdge(items), listedThenDiffering(items), ...atLimits(items, over)].filter(
    (q): q is Valid => q !== undefined,
  );
  const outcomes = await ask(
    qs.map((q) => q.ranges),
    LARGE_ANSWER_MS,
  );
  for (const [k, q] of qs.entries()) {
    const got = outcomes[k] as Outcome;
    if (got.kind !== "answer") {
      const refused = refusedValid(got);
      if (refused !== undefined) return `${q.what}: ${refused}`;
      continue;
    }
    const broken = invalidAnswer(got.req, got.res) ?? q.judge(got.res.ranges);
    if (broken !== undefined) return broken;
  }
  return undefined;
}
