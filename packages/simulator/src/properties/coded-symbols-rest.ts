// coded-symbols-at-rest: once the healed world rests, each live device that
// announced `reconcile.riblt.v1` (every one but the scenario's revision 1.1
// `rangeOnly` devices) is asked by a linked peer, over the simulated
// network, for coded symbols of its largest stream, and every answer is
// judged against the simulator's own model of PROTOCOL.md §7.9.2–7.9.3
// (src/spec), never the engine's riblt code:
// - a request whose fingerprint differs is answered with one `symbols`
//   range ending the id space, `start` echoed, 1 ≤ n ≤ count (when count >
//   0) and ≤ MAX_CODED_SYMBOLS_PER_MESSAGE, the responder's fingerprint of
//   its items, and every symbol exactly the model's (RC-22, RC-24, RC-25,
//   RC-28), from start 0, later, wide and far starts, and count 0 (its choice);
// - count 0 with the model's probes of a set d items away: a batch no
//   smaller than d and no larger than 4d + 64 (the reference sizes 2·d̂ + 8,
//   §7.9.5 step 3, a SHOULD: only a clearly broken estimate is flagged),
//   over the whole id space and over its lower half alone (probes are of
//   the request's range, §7.9.3: the other half's items are no difference);
// - a request whose fingerprint equals its own is skipped (RC-25);
// - malformed requests (RC-22, RC-23) are refused MALFORMED, never answered.
// Both ends of a simulated exchange run the same code, so wrong symbols or
// probes still agree with themselves and a failed decode falls back to
// range rounds: only judging the wire against the text sees them.
import { create } from "@bufbuild/protobuf";
import { fingerprintOf } from "@tidemark/engine";
import {
  type CodedSymbols,
  CodedSymbolsRequestSchema,
  CodedSymbolsSchema,
  ErrorReason,
  MAX_CODED_SYMBOL_INDEX,
  MAX_CODED_SYMBOLS_PER_MESSAGE,
  type ProtocolError,
  type ReconcileRange,
  ReconcileRangeSchema,
  type ReconcileResponse,
} from "@tidemark/protocol";
import type { SimNode } from "../node.js";
import type { StreamRef } from "../probe/types.js";
import { type SpecItem, specProbes, specSymbols, symbolText } from "../spec/coded-symbols.js";
import type { SimWorld } from "../world.js";
import type { PropertyFailure } from "./property.js";
import { atRestFailure, atRestPairs, callAtRest, hex } from "./reconcile-rest.js";

const NAME = "coded-symbols-at-rest";
/** Virtual ms an answer may take at rest (a calm link; a lost one is not judged). */
const ANSWER_MS = 3_000;
/** The small counts asked from start 0 and from a later start. */
const OPENING = { start: 0, count: 12 };
const LATER = { start: 12, count: 7 };
/** A wide window past the earlier ones, and one far past any cached table. */
const WIDE = { start: 30, count: 170 };
const FAR = { start: 5_000, count: 3 };
/** Count 0 and no probes: the responder chooses (n >= 1). */
const CHOSEN = { start: 0, count: 0 };

type Outcome = { res: ReconcileResponse } | { refused: ProtocolError } | undefined;
type Ask = (...ranges: ReconcileRange[]) => Promise<Outcome>;
type Request = { fingerprint: Uint8Array; start: bigint; count: number; probes?: Uint8Array };

const ask = (q: Request, upper = new Uint8Array(0)) =>
  create(ReconcileRangeSchema, {
    upperBound: upper,
    payload: { case: "symbolsRequest", value: create(CodedSymbolsRequestSchema, q) },
  });

export async function codedSymbolsAtRest(
  world: SimWorld,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  world.emit("phase", { name: NAME });
  const rangeOnly = new Set(world.scenario.rangeOnly ?? []);
  const live = world.liveMembers().filter((n) => !rangeOnly.has(n.index));
  for await (const pair of atRestPairs(world, live)) {
    const { a, b, largest } = pair;
    const asker: Ask = (...ranges) =>
      world.asHarness(a.index, () => askOnce(world, a, b, largest.stream, ranges, progress));
    const broken =
      (await windows(asker, largest.items)) ??
      (await sizedByProbes(asker, largest.items)) ??
      (await halfSizedByProbes(asker, largest.items)) ??
      (await equalSkipped(asker, largest.items)) ??
      (await malformedRefused(asker, largest.items));
    if (broken !== undefined) return atRestFailure(NAME, pair, broken);
  }
  return undefined;
}

/** One Reconcile request from a to b, asked at rest (a lost one is undefined). */
async function askOnce(
  world: SimWorld,
  a: SimNode,
  b: SimNode,
  stream: StreamRef,
  ranges: ReconcileRange[],
  progress: (until: number) => Promise<unknown>,
): Promise<Outcome> {
  const got = await callAtRest(world, a, b, stream, ranges, progress, ANSWER_MS);
  if (got.kind === "answer") return { res: got.res };
  return got.kind === "refused" ? { refused: got.error } : undefined;
}

/** Why `res` is not the answer §7.9.4 requires to `q` over `items`, if it is not. */
function judgeSymbols(q: Request, got: Outcome, items: readonly SpecItem[]): string | undefined {
  const what = `a symbols_request from ${q.start} for ${q.count}${q.probes === undefined ? "" : " with probes"}`;
  if (got === undefined) return undefined;
  if ("refused" in got) return `${what} was refused: ${got.refused.message}`;
  const said = got.res.ranges.filter((r) => r.payload.case !== "skip");
  const only = said[0];
  if (said.length !== 1 || only?.payload.case !== "symbols" || only.upperBound.length !== 0)
    return `${what} whose fingerprint differs was answered with [${said.map((r) => r.payload.case).join(", ")}], not one symbols range to the end`;
  const s = only.payload.value;
  const n = s.counts.length;
  if (s.start !== q.start) return `${what} was answered from ${s.start}`;
  if (n < 1 || n > MAX_CODED_SYMBOLS_PER_MESSAGE || (q.count > 0 && n > q.count))
    return `${what} was answered with ${n} symbols`;
  if (hex(s.fingerprint) !== hex(fingerprintOf(items)))
    return `${what} carries fingerprint ${hex(s.fingerprint)}, its items sum to ${hex(fingerprintOf(items))}`;
  const want = specSymbols(items, Number(q.start), n).map(symbolText);
  const k = want.findIndex((w, i) => w !== wireSymbol(s, i));
  if (k >= 0)
    return `${what}: symbol ${Number(q.start) + k} is [${wireSymbol(s, k)}], the spec's over its items is [${want[k]}] (RC-24)`;
  return undefined;
}

/** Symbol k of a `symbols` payload in symbolText's form. */
function wireSymbol(s: CodedSymbols, k: number): string {
  const sums = hex(s.sums.subarray(24 * k, 24 * k + 24));
  return `${s.counts[k]} ${sums.slice(0, 32)} ${sums.slice(32)} ${s.seqSums[k]}`;
}

/** Windows from 0, later, wide, far, and a size left to it; each asked one item off. */
async function windows(asker: Ask, items: readonly SpecItem[]): Promise<string | undefined> {
  const fingerprint = fingerprintOf(items.slice(1));
  for (const w of [OPENING, LATER, WIDE, FAR, CHOSEN]) {
    const q = { fingerprint, start: BigInt(w.start), count: w.count };
    const broken = judgeSymbols(q, await asker(ask(q)), items);
    if (broken !== undefined) return broken;
  }
  return undefined;
}

/**
 * A set d items away from `items`: `drops` left out, `bumps` at a newer seq
 * (two differing items each) and `extra` items the responder lacks.
 */
function differing(items: readonly SpecItem[], drops: number, bumps: number, extra: number) {
  const stride = Math.max(1, Math.floor(items.length / (drops + bumps + 1)));
  const set: SpecItem[] = [];
  let d = extra;
  for (const [k, x] of items.entries()) {
    const nth = k % stride === 0 ? k / stride : -1;
    const change = nth < 0 ? "keep" : nth < drops ? "drop" : nth < drops + bumps ? "bump" : "keep";
    d += change === "drop" ? 1 : change === "bump" ? 2 : 0;
    if (change !== "drop") set.push(change === "bump" ? { id: x.id, seq: x.seq + 1n } : x);
  }
  for (let k = 0; k < extra; k++) set.push({ id: new Uint8Array(16).fill(0xf0 + k), seq: 1n });
  return { set, d };
}

/**
 * Count 0 with the model's probes of a set d items away: every symbol
 * exact, and a batch no smaller than d (it could never decode) and no
 * larger than 4d + 64 (the reference sizes 2·d̂ + 8 for d̂ within ±25 %).
 */
async function sizedByProbes(asker: Ask, items: readonly SpecItem[]): Promise<string | undefined> {
  const n = items.length;
  const shapes = [
    { drops: 1, bumps: 0, extra: 1, start: 0n },
    { drops: Math.min(6, n >> 2), bumps: Math.min(4, n >> 3), extra: 3, start: 0n },
    { drops: Math.min(12, n >> 2), bumps: Math.min(6, n >> 3), extra: 8, start: 12n },
  ];
  for (const shape of shapes) {
    const { set, d } = differing(items, shape.drops, shape.bumps, shape.extra);
    const q = {
      fingerprint: fingerprintOf(set),
      start: shape.start,
      count: 0,
      probes: specProbes(set),
    };
    const got = await asker(ask(q));
    const broken = judgeSymbols(q, got, items);
    if (broken !== undefined) return broken;
    const sent = got !== undefined && "res" in got ? batchOf(got.res) : undefined;
    if (sent !== undefined && (sent < d || sent > 4 * d + 64))
      return `count 0 with probes of a set ${d} items away was answered with ${sent} symbols (the reference sizes 2·d̂ + 8; under d can never decode)`;
  }
  return undefined;
}

/**
 * The same over the lower half of the id space only (below the middle
 * item's id; the upper half skipped), from a set 2 items away there: a
 * batch sized from the whole set's probes would answer about the other
 * half's items as if they differed.
 */
async function halfSizedByProbes(
  asker: Ask,
  items: readonly SpecItem[],
): Promise<string | undefined> {
  const at = items[items.length >> 1]?.id;
  if (items.length < 4 || at === undefined || at.every((b) => b === 0)) return undefined;
  const mid = new Uint8Array(at);
  const lower = items.slice(0, items.length >> 1);
  // One of its items dropped, one it lacks added at the bottom: d = 2.
  const { set } = differing(lower, 1, 0, 0);
  const d = 2;
  set.push({ id: new Uint8Array(16).fill(1, 15), seq: 1n });
  const q = { fingerprint: fingerprintOf(set), start: 0n, count: 0, probes: specProbes(set) };
  const skipRest = create(ReconcileRangeSchema, {
    upperBound: new Uint8Array(0),
    payload: { case: "skip", value: true },
  });
  const got = await asker(ask(q, mid), skipRest);
  if (got === undefined) return undefined;
  const what = "count 0 with probes over the lower half of the id space";
  if ("refused" in got) return `${what} was refused: ${got.refused.message}`;
  const first = got.res.ranges[0];
  if (first?.payload.case !== "symbols" || hex(first.upperBound) !== hex(mid))
    return `${what} was answered with [${got.res.ranges.map((r) => r.payload.case).join(", ")}], not one symbols range to its bound first`;
  const s = first.payload.value;
  const want = specSymbols(lower, 0, s.counts.length).map(symbolText);
  const k = want.findIndex((w, i) => w !== wireSymbol(s, i));
  if (k >= 0 || hex(s.fingerprint) !== hex(fingerprintOf(lower)))
    return `${what}: not the spec's symbols and fingerprint of its ${lower.length} items there (RC-24)`;
  const n = s.counts.length;
  if (n < d || n > 4 * d + 64)
    return `${what} of a set ${d} items away there was answered with ${n} symbols (the reference sizes 2·d̂ + 8)`;
  return undefined;
}

const batchOf = (res: ReconcileResponse) => {
  const p = res.ranges.find((r) => r.payload.case === "symbols")?.payload;
  return p?.case === "symbols" ? p.value.counts.length : undefined;
};

/** Its own fingerprint: nothing to send (RC-25), with or without probes. */
async function equalSkipped(asker: Ask, items: readonly SpecItem[]): Promise<string | undefined> {
  for (const probes of [undefined, specProbes(items)]) {
    const q = {
      fingerprint: fingerprintOf(items),
      start: 0n,
      count: probes === undefined ? 12 : 0,
    };
    const got = await asker(ask(probes === undefined ? q : { ...q, probes }));
    if (got === undefined) continue;
    if ("refused" in got)
      return `a symbols_request with its own fingerprint was refused: ${got.refused.message}`;
    const said = got.res.ranges.filter((r) => r.payload.case !== "skip");
    if (said.length > 0)
      return `a symbols_request with its own fingerprint was answered with ${said[0]?.payload.case}, not skipped`;
  }
  return undefined;
}

/** Requests §7.9.1 makes MALFORMED: refused so, never answered, never an internal error. */
async function malformedRefused(
  asker: Ask,
  items: readonly SpecItem[],
): Promise<string | undefined> {
  const fingerprint = fingerprintOf(items.slice(1));
  const base = { fingerprint, start: 0n, count: 12 };
  const symbols = create(ReconcileRangeSchema, {
    upperBound: new Uint8Array(0),
    payload: { case: "symbols", value: create(CodedSymbolsSchema, { start: 0n, fingerprint }) },
  });
  const cases: [string, ReconcileRange][] = [
    ["a 15-byte fingerprint", ask({ ...base, fingerprint: fingerprint.subarray(1) })],
    ["319 probe bytes", ask({ ...base, probes: new Uint8Array(319) })],
    [
      "count MAX_CODED_SYMBOLS_PER_MESSAGE + 1",
      ask({ ...base, count: MAX_CODED_SYMBOLS_PER_MESSAGE + 1 }),
    ],
    ["start + count past 2^32", ask({ ...base, start: BigInt(MAX_CODED_SYMBOL_INDEX) - 5n })],
    ["a symbols payload in a request", symbols],
  ];
  for (const [what, range] of cases) {
    const got = await asker(range);
    if (got === undefined) continue;
    if (!("refused" in got)) return `a symbols_request with ${what} was answered, not refused`;
    if (got.refused.reason !== ErrorReason.MALFORMED)
      return `a symbols_request with ${what} was refused ${ErrorReason[got.refused.reason]}, not MALFORMED (RC-22/RC-23)`;
  }
  return await pastTheLastIndex(asker, fingerprint);
}

/**
 * Start 2^32 with count 0 passes §7.9.1's bounds, yet no symbol exists
 * there and an answer needs n >= 1 (§7.9.4): it must be refused, with a
 * reason, or skipped — never answered with no symbols.
 */
async function pastTheLastIndex(asker: Ask, fingerprint: Uint8Array): Promise<string | undefined> {
  const q = { fingerprint, start: BigInt(MAX_CODED_SYMBOL_INDEX), count: 0 };
  const got = await asker(ask(q));
  if (got === undefined) return undefined;
  if ("refused" in got)
    return got.refused.reason === ErrorReason.UNSPECIFIED
      ? `a symbols_request from 2^32 was refused without a reason: ${got.refused.message}`
      : undefined;
  const n = batchOf(got.res);
  return n === undefined ? undefined : `a symbols_request from 2^32 was answered with ${n} symbols`;
}
