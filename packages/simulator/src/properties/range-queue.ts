// range-queue-kept: an honest initiator works through the ranges its
// responder found different as PROTOCOL.md §7.5 "Initiator, for each reply
// range" says, judged on the wire over the set the run describes (the one
// initiator-claims-honest captured at the run's first request). After each
// answered round the queue is the ranges still to describe: those the
// round left queued, plus each reply `fingerprint` range that differs from
// the initiator's sum over it; a responder's tail (§7.5 "Telling a tail")
// replaces every queued range at or above its lower bound. Each next
// request of the run then
// - describes only queued ranges (nothing settled is asked again),
// - describes each queued range whole or not at all (`skip`),
// - describes a prefix of the queue in id order, never an empty one (the
//   first queued range is always sent: every round makes progress);
// and with an empty queue the initiator is done: it asks no more.
// Not judged: liars' and the harness's rounds, runs whose set was not
// captured, and a run after an answer that came late (its caller may have
// given up on it) or whose tail matched (the responder's store changed
// under the run) until its next whole-space request.
import { fingerprintOf, idToHex } from "@tidemark/engine";
import type { ReconcileRange, ReconcileRequest, ReconcileResponse } from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { SpecItem } from "../spec/coded-symbols.js";
import type { PropertyFailure } from "./property.js";
import { hex, inSpan, type Span } from "./reconcile-rest.js";

const NAME = "range-queue-kept";

type Run = {
  /** Ranges still to describe, ascending; undefined before the first answer. */
  queue: Span[] | undefined;
  /** The last request's call and what it described. */
  call: number;
  at: number;
  described: Span[];
  lastLower: string;
};

/** `upper` below-or-equal `lower` in id order (an undefined upper is the end). */
const atOrBelow = (upper: string | undefined, lower: string) =>
  upper !== undefined && upper <= lower;
const within = (s: Span, q: Span) =>
  q.lower <= s.lower && (q.upper === undefined || atOrBelow(s.upper, q.upper));
const show = (s: Span) => `[${s.lower || "start"}, ${s.upper ?? "end"})`;

/** Each range of a message tiling the id space (§7.2), with its span. */
function spansOf(ranges: readonly ReconcileRange[]): { span: Span; range: ReconcileRange }[] {
  let lower = "";
  return ranges.map((range) => {
    const upper = range.upperBound.length === 0 ? undefined : hex(range.upperBound);
    const span = { lower, upper };
    lower = upper ?? "";
    return { span, range };
  });
}

/** Why `req`'s described ranges break the queue, if they do. */
export function queueBroken(
  queue: readonly Span[],
  described: readonly Span[],
): string | undefined {
  if (queue.length === 0) return "asked again after every range was settled";
  const loose = described.find((s) => !queue.some((q) => within(s, q)));
  if (loose !== undefined) return `described ${show(loose)}, which no answer left queued`;
  const first = queue[0] as Span;
  if (!described.some((s) => within(s, first)))
    return `left its first queued range ${show(first)} out (no progress)`;
  let skipped: Span | undefined;
  for (const q of queue) {
    const parts = described.filter((s) => within(s, q));
    if (parts.length === 0) {
      skipped ??= q;
      continue;
    }
    const whole =
      parts[0]?.lower === q.lower &&
      parts.at(-1)?.upper === q.upper &&
      parts.every((s, k) => k === 0 || (parts[k - 1] as Span).upper === s.lower);
    if (!whole) return `described queued range ${show(q)} only in part`;
    if (skipped !== undefined)
      return `described queued range ${show(q)} but not ${show(skipped)} before it (not in id order)`;
  }
  return undefined;
}

/**
 * The queue after `reply` answers the run's last request: what it left
 * queued, the reply's differing fingerprint ranges, a differing tail
 * replacing the queued ranges it re-covers. Undefined (not judged on) when
 * a tail matched: the responder's store changed under the run.
 */
function queueAfter(
  run: Run,
  reply: readonly ReconcileRange[],
  set: readonly SpecItem[],
): { queue: Span[]; tail: boolean } | undefined {
  const left = (run.queue ?? []).filter((q) => !run.described.some((s) => within(s, q)));
  const fresh: Span[] = [];
  const spans = spansOf(reply);
  let tail: Span | undefined;
  for (const [k, { span, range }] of spans.entries()) {
    const p = range.payload;
    if (p.case !== "fingerprint") continue;
    const isTail = k === spans.length - 1 && span.upper === undefined && span.lower < run.lastLower;
    const own = set.filter((x) => inSpan(hex(x.id), span));
    const differs = hex(p.value) !== hex(fingerprintOf(own));
    if (isTail && !differs) return undefined;
    if (isTail) tail = span;
    if (differs) fresh.push(span);
  }
  const kept = tail === undefined ? left : left.filter((q) => q.lower < (tail as Span).lower);
  const queue = [...kept, ...fresh].sort((a, b) =>
    a.lower < b.lower ? -1 : a.lower > b.lower ? 1 : 0,
  );
  return { queue, tail: tail !== undefined };
}

export class RangeQueue {
  private readonly broken: string[] = [];
  private readonly runs = new Map<string, Run>();
  /** The run each request in flight belongs to, by call id. */
  private readonly calls = new Map<number, string>();
  /** Rounds judged against a known queue, and answers ending in a tail (coverage). */
  judged = 0;
  tails = 0;

  constructor(
    /** The set the run `key` describes (initiator-claims-honest's capture), if known. */
    private readonly setOf: (key: string) => readonly SpecItem[] | undefined,
    private readonly notJudged: (device: number) => boolean,
    private readonly lateMs: number,
  ) {}

  /** The network tap: every range-round request as it is sent. */
  observe(m: TapInfo, now: number): void {
    if (m.rpc !== "Reconcile" || m.part !== "req") return;
    if (this.notJudged(m.from) || this.notJudged(m.to)) return;
    const req = m.message() as ReconcileRequest;
    if (req.stream === undefined || req.ranges.length === 0) return;
    const key = `${m.from}>${m.to}:${idToHex(req.stream.origin)}/${req.stream.resource}`;
    if (req.ranges.some((r) => r.payload.case === "symbolsRequest")) {
      this.runs.delete(key);
      return;
    }
    const spans = spansOf(req.ranges);
    const described = spans.filter((x) => x.range.payload.case !== "skip").map((x) => x.span);
    const run = this.runs.get(key);
    const wholeSpace = described.length === spans.length;
    if (run?.queue !== undefined) {
      const why = queueBroken(run.queue, described);
      this.judged++;
      if (why !== undefined && !wholeSpace) {
        this.broken.push(`d${m.from} asking d${m.to} at ${Math.round(now)} ms: ${why}`);
        this.runs.delete(key);
        return;
      }
      if (why !== undefined) run.queue = undefined;
    } else if (!wholeSpace) {
      // Mid-run, its queue unknown: not judged until its next first request.
      this.runs.delete(key);
      return;
    }
    const last = spans.at(-1) as { span: Span };
    this.calls.set(m.call, key);
    this.runs.set(key, {
      queue: run?.queue,
      call: m.call,
      at: now,
      described,
      lastLower: last.span.lower,
    });
  }

  /** A range-round answer reaching its initiator: the queue it leaves. */
  delivered(m: Delivered, now: number): void {
    if (m.rpc !== "Reconcile" || m.part !== "res") return;
    const key = this.calls.get(m.call);
    this.calls.delete(m.call);
    const run = key === undefined ? undefined : this.runs.get(key);
    if (key === undefined || run === undefined || run.call !== m.call) return;
    const set = this.setOf(key);
    const next =
      set === undefined || now - run.at >= this.lateMs
        ? undefined
        : queueAfter(run, (m.message() as ReconcileResponse).ranges, set);
    if (next === undefined) this.runs.delete(key);
    else run.queue = next.queue;
    if (next?.tail === true) this.tails++;
  }

  check(): PropertyFailure | undefined {
    const first = this.broken[0];
    if (first === undefined) return undefined;
    return {
      property: NAME,
      detail: `${this.broken.length} range round(s) leave the initiator's queue of differing ranges (PROTOCOL §7.5): ${first}`,
    };
  }
}
