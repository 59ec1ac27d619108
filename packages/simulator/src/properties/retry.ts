// Retries back off (bug 6): a device whose calls to a peer keep failing
// must space its retries out exponentially, not hammer the peer at the
// first delay forever. Judged from the network alone, so it holds any
// implementation to it. Each ExchangeWatermarks call a -> b opens a retry
// cycle (every retry starts with one). A cycle fails when a call of it got
// no answer (an error, a lost or unanswered request, a reset stream) or
// was a Backfill that brought only seqs sent before (refused pages), and
// nothing new arrived (new data is progress: the count may start over).
// In a streak of failed cycles the gap after the k-th must be at least
// that delay's lower bound (half of min(cap, base x 2^(k-1)), equal
// jitter). Short gaps the engine may take are allowed: a reconnect, an
// inbound Hello (the peer is back) or push (a realtime gap), and two spare.
// Backoff is also capped: after a failed cycle whose every call was
// answered (the caller knows at once that it failed), the next retry must
// start within the cap plus a little slack; two late retries are spare.
// Growth is bounded from above too, generously: the k-th retry of a streak
// must start within the delay the schedule allows after F + LEAD failures,
// F counting every failed call a made to b since the streak began (pushes
// and parallel pulls each count once: the caller's count may run ahead of
// the cycles seen), so a schedule that starts long or grows too fast fails.
// And retries are jittered: uncapped waits that all sit at one point of
// their schedule (a fixed fraction of base x 2^j) would retry devices that
// failed together at the same instant, for ever.
import { idToHex } from "@tidemark/engine";
import type { BackfillResponse } from "@tidemark/protocol";
import type { Delivered, TapInfo } from "../network/network.js";
import type { Scenario } from "../scenario.js";
import type { PropertyFailure } from "./property.js";

/** Realtime traffic is not governed by the backoff (PROTOCOL §5). */
const REALTIME: ReadonlySet<string> = new Set(["PushChanges", "NotifyDataAvailable"]);
/** Messages from b that let a retry b at once (inbound contact, realtime gap). */
const EARLY: ReadonlySet<string> = new Set(["Hello", "PushChanges"]);
/** Cycles a streak may hold beyond the backoff schedule (a periodic exchange, a race). */
const SPARE_CYCLES = 2;
/** Virtual ms a retry may start after its delay's upper bound (message handling). */
const LATE_SLACK_MS = 500;
/**
 * Failures the caller may have counted beyond the failed calls seen: one
 * for a pull that progressed and then failed (progress resets the count,
 * the failure counts one), one spare.
 */
const COUNT_LEAD = 2;
/** Uncapped answered-failure waits needed before jitter is judged. */
const JITTER_SAMPLE = 6;
/** Waits sit at one point of their schedule when their log2(wait / base) mod 1 lie in an arc this wide. */
const SAME_POINT = 0.01;
/** Waits below this share of cap / 2 came from an uncapped delay (lag of a few ms aside). */
const UNCAPPED = 0.95;

type Call = {
  readonly t: number;
  readonly rpc: string;
  readonly gen: number;
  ok: boolean;
  /** When the call's final answer (a response, a stream's end, an error) reached the caller. */
  settled: number | undefined;
  /** A Backfill page brought the caller a seq it was never sent before. */
  progressed: boolean;
  /** A Backfill page with changes reached the caller. */
  sawChanges: boolean;
};

type Cycle = {
  readonly t: number;
  readonly gen: number;
  failed: boolean;
  /** Failed calls of the cycle (parallel pulls each count). */
  failures: number;
  /** When its last call settled; undefined while any call of it went unanswered. */
  end: number | undefined;
  /** A call of it brought new data: its failures start the count over. */
  progressed: boolean;
};

/** When a call's final answer arrived; undefined when it never came (lost, cut, timed out). */
const settledAt = (c: Call): number | undefined => c.settled;

/**
 * Failed from the caller's side: unanswered, or a Backfill that brought
 * only what it had been sent before (its pages were refused, or it was
 * sent back to the same point again).
 */
const failed = (c: Call) => !c.ok || (c.sawChanges && !c.progressed);

export type BackoffPolicy = {
  readonly baseMs: number;
  readonly capMs: number;
  /** A call unanswered this long is failed, not in flight. */
  readonly callTimeoutMs: number;
};

/**
 * The backoff a scenario's devices were configured with; unset, the
 * reference engine's defaults (SyncConfig: 1 s base, 60 s cap), which the
 * property expects of any implementation.
 */
export function backoffPolicy(s: Scenario): BackoffPolicy {
  return {
    baseMs: Number(s.config?.backoffBaseMs ?? 1_000),
    capMs: Number(s.config?.backoffMaxMs ?? 60_000),
    callTimeoutMs: Number(s.config?.requestTimeoutMs ?? s.callTimeoutMs ?? 10_000),
  };
}

/** Least total wait before `retries` retries under exponential backoff with equal jitter. */
export function minBackoffMs(retries: number, p: BackoffPolicy): number {
  let sum = 0;
  for (let k = 1; k <= retries; k++) sum += 0.5 * Math.min(p.capMs, p.baseMs * 2 ** (k - 1));
  return sum;
}

export class RetryTracker {
  /** `${a}>${b}` -> calls a made to b, in start order; call id -> call. */
  private readonly calls = new Map<string, Call[]>();
  /** `${a}>${b}` -> realtime calls a made to b (not retries; a failed one still counts a failure). */
  private readonly realtime = new Map<string, Call[]>();
  private readonly byId = new Map<number, Call>();
  /** `${a}>${b}` -> times a may legitimately have retried b at once. */
  private readonly early = new Map<string, number[]>();
  /** Waits from an answered failed cycle to the retry after it, gathered by check(). */
  private waits: { from: number; to: number; ms: number }[] = [];
  /** `${device}|${stream}` -> highest seq a Backfill page ever brought it. */
  private readonly best = new Map<string, bigint>();

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly generationOf: (device: number) => number,
  ) {}

  /** Every message sent (the network tap). */
  observe(m: TapInfo, now: number): void {
    if (m.part !== "req") return;
    const key = `${m.from}>${m.to}`;
    const call: Call = {
      t: now,
      rpc: m.rpc,
      gen: this.generationOf(m.from),
      ok: false,
      settled: undefined,
      progressed: false,
      sawChanges: false,
    };
    const into = REALTIME.has(m.rpc) ? this.realtime : this.calls;
    let list = into.get(key);
    if (list === undefined) {
      list = [];
      into.set(key, list);
    }
    list.push(call);
    this.byId.set(m.call, call);
  }

  /** Every message delivered: an answer marks its call answered; some requests allow an early retry. */
  delivered(m: Delivered, now: number): void {
    const c = this.byId.get(m.call);
    if (c !== undefined && (m.part === "res" || m.part === "end")) c.ok = true;
    if (c !== undefined && (m.part === "res" || m.part === "end" || m.part === "err"))
      c.settled = now;
    // New data is progress: the engine may reset its failure count on it.
    if (c !== undefined && m.part === "page") this.notePage(c, m);
    else if (m.part === "req" && EARLY.has(m.rpc)) this.allowEarly(m.to, m.from, now);
  }

  /** Notes whether a delivered Backfill page carries a seq its caller was never sent before. */
  private notePage(call: Call, m: Delivered): void {
    const page = m.message() as BackfillResponse | undefined;
    if (page?.stream === undefined || page.changes.length === 0) return;
    call.sawChanges = true;
    let top = 0n;
    for (const c of page.changes) if (c.seq > top) top = c.seq;
    const key = `${m.to}|${idToHex(page.stream.origin)}/${page.stream.resource}`;
    if (top <= (this.best.get(key) ?? 0n)) return;
    this.best.set(key, top);
    call.progressed = true;
  }

  /** Device `a` heard that `b` connected (or b reached it): one retry at once is fine. */
  allowEarly(a: number, b: number, now: number): void {
    const key = `${a}>${b}`;
    let list = this.early.get(key);
    if (list === undefined) {
      list = [];
      this.early.set(key, list);
    }
    list.push(now);
  }

  /** retry-backoff over every pair, judging calls started before `now` - the call timeout. */
  check(now: number): PropertyFailure | undefined {
    const judgedUntil = now - 2 * this.policy.callTimeoutMs;
    this.waits = [];
    for (const [key, list] of this.calls) {
      const f = this.checkPair(key, list, judgedUntil);
      if (f !== undefined) return f;
    }
    return this.checkJitter();
  }

  /**
   * retry-jitter: the uncapped waits after answered failures (below cap/2,
   * so no equal-jitter delay there was capped) must not all sit at one
   * point of their schedule, i.e. share one mantissa of wait / base.
   */
  private checkJitter(): PropertyFailure | undefined {
    const uncapped = this.waits.filter(
      (w) => w.ms < UNCAPPED * (this.policy.capMs / 2) && w.ms > 0,
    );
    if (uncapped.length < JITTER_SAMPLE) return undefined;
    // Where in its doubling a wait sits: the fraction of log2(wait / base), on a circle.
    const points = uncapped
      .map((w) => {
        const x = Math.log2(w.ms / this.policy.baseMs);
        return x - Math.floor(x);
      })
      .sort((a, b) => a - b);
    let widestGap = 1 - ((points[points.length - 1] ?? 0) - (points[0] ?? 0));
    for (let i = 1; i < points.length; i++)
      widestGap = Math.max(widestGap, (points[i] ?? 0) - (points[i - 1] ?? 0));
    if (widestGap <= 1 - SAME_POINT) return undefined;
    const w0 = uncapped[0] as { from: number; to: number };
    return {
      property: "retry-jitter",
      devices: [w0.from, w0.to],
      detail: `all ${uncapped.length} uncapped retry waits after answered failures sit at one point of the backoff schedule (log2(wait / base) mod 1 within ${SAME_POINT}; ms: ${uncapped
        .slice(0, 8)
        .map((w) => `d${w.from}>d${w.to} ${Math.round(w.ms)}`)
        .join(
          ", ",
        )}${uncapped.length > 8 ? ", …" : ""}): no jitter, so devices that fail together retry together`,
    };
  }

  private checkPair(
    key: string,
    list: readonly Call[],
    until: number,
  ): PropertyFailure | undefined {
    // Cycles: each exchange and the calls after it, up to the next exchange.
    const cycles: Cycle[] = [];
    let progressed = false;
    for (const c of list) {
      if (c.t > until) break;
      const last = cycles[cycles.length - 1];
      if (c.rpc === "ExchangeWatermarks" || last === undefined || last.gen !== c.gen) {
        if (last !== undefined && progressed) last.progressed = true;
        progressed = false;
        const failures = failed(c) ? 1 : 0;
        cycles.push({
          t: c.t,
          gen: c.gen,
          failed: failures > 0,
          failures,
          end: settledAt(c),
          progressed: false,
        });
      } else {
        if (failed(c)) {
          last.failed = true;
          last.failures++;
        }
        const end = settledAt(c);
        last.end =
          last.end === undefined || end === undefined ? undefined : Math.max(last.end, end);
      }
      progressed ||= c.progressed;
    }
    const tail = cycles[cycles.length - 1];
    if (tail !== undefined && progressed) tail.progressed = true;
    for (const c of cycles) if (c.progressed) c.failed = false;
    const late = this.lateAfterProgress(key, cycles);
    if (late !== undefined) return late;
    let start = 0;
    for (let i = 0; i <= cycles.length; i++) {
      const c = cycles[i];
      const prev = cycles[i - 1];
      if (c?.failed && (prev === undefined || prev.gen === c.gen)) continue;
      // cycles[start, i) failed in a row (one incarnation of the caller).
      const f = this.judgeStreak(key, cycles.slice(start, i));
      if (f !== undefined) return f;
      start = c?.failed === true ? i : i + 1;
    }
    return undefined;
  }

  /**
   * Gap k of a streak (after its k-th failed cycle) must be at least the
   * k-th delay's lower bound; as many gaps as early retries were allowed,
   * plus SPARE_CYCLES, may be shorter.
   */
  private judgeStreak(key: string, streak: readonly Cycle[]): PropertyFailure | undefined {
    const first = streak[0];
    const last = streak[streak.length - 1];
    if (first === undefined || last === undefined) return undefined;
    const late = this.lateRetries(key, streak);
    if (late.length > SPARE_CYCLES) {
      const [a, b] = key.split(">");
      return {
        property: "retry-backoff",
        devices: [Number(a), Number(b)],
        detail: `d${a} retried d${b} later than the backoff schedule allows after ${late.length} of ${streak.length - 1} failed cycles (from ${Math.round(first.t)} ms; base ${this.policy.baseMs} ms, cap ${this.policy.capMs} ms, failures counted ${COUNT_LEAD} ahead of the failed calls seen, slack ${LATE_SLACK_MS} ms; retry# wait after the failure>most ms: ${late.slice(0, 6).join(", ")}${late.length > 6 ? ", …" : ""})`,
      };
    }
    const early = (this.early.get(key) ?? []).filter((t) => t >= first.t && t <= last.t).length;
    const short: string[] = [];
    for (let k = 1; k < streak.length; k++) {
      const gap = (streak[k]?.t ?? 0) - (streak[k - 1]?.t ?? 0);
      const least = 0.5 * Math.min(this.policy.capMs, this.policy.baseMs * 2 ** (k - 1));
      if (gap < least - 1) short.push(`#${k} ${Math.round(gap)}<${Math.round(least)}`);
    }
    if (short.length <= early + SPARE_CYCLES) return undefined;
    return this.tooSoon(key, streak, short, early);
  }

  /**
   * Retries of a streak that started after a known failure later than the
   * schedule allows for every failed call seen so far plus COUNT_LEAD
   * (never later than the cap).
   */
  private lateRetries(key: string, streak: readonly Cycle[]): string[] {
    const late: string[] = [];
    const pushes = (this.realtime.get(key) ?? []).filter((c) => !c.ok);
    let failures = 0;
    for (let k = 1; k < streak.length; k++) {
      const prev = streak[k - 1] as Cycle;
      const t = (streak[k] as Cycle).t;
      failures += prev.failures;
      if (prev.end === undefined) continue; // a call was lost: when the caller gave up is unknown
      const wait = t - prev.end;
      const [from, to] = key.split(">").map(Number);
      this.waits.push({ from: from ?? -1, to: to ?? -1, ms: wait });
      const pushed = pushes.filter((c) => c.t >= (streak[0] as Cycle).t && c.t < t).length;
      const most = this.scheduleMs(failures + pushed + COUNT_LEAD) + LATE_SLACK_MS;
      if (wait > most) late.push(`#${k} ${Math.round(wait)}>${Math.round(most)}`);
    }
    return late;
  }

  /**
   * A cycle that brought new data and then failed (a pull cut after some
   * pages) starts the count over: the retry after it must start within the
   * schedule's delay for its own failed calls plus COUNT_LEAD, however many
   * such cycles came before (SPARE_CYCLES of them may be late).
   */
  private lateAfterProgress(key: string, cycles: readonly Cycle[]): PropertyFailure | undefined {
    const pushes = (this.realtime.get(key) ?? []).filter((c) => !c.ok);
    const late: string[] = [];
    for (let i = 0; i + 1 < cycles.length; i++) {
      const c = cycles[i] as Cycle;
      const next = cycles[i + 1] as Cycle;
      if (!c.progressed || c.failures === 0 || c.end === undefined || next.gen !== c.gen) continue;
      const pushed = pushes.filter((p) => p.t >= c.t && p.t < next.t).length;
      const most = this.scheduleMs(c.failures + pushed + COUNT_LEAD) + LATE_SLACK_MS;
      const wait = next.t - c.end;
      if (wait > most)
        late.push(`at ${Math.round(c.end)} ms ${Math.round(wait)}>${Math.round(most)}`);
    }
    if (late.length <= SPARE_CYCLES) return undefined;
    const [a, b] = key.split(">");
    return {
      property: "retry-backoff",
      devices: [Number(a), Number(b)],
      detail: `d${a} retried d${b} later than the backoff schedule allows after ${late.length} calls that brought new data and then failed (progress starts the failure count over; base ${this.policy.baseMs} ms, cap ${this.policy.capMs} ms, ${COUNT_LEAD} failures of lead, slack ${LATE_SLACK_MS} ms; wait>most: ${late.slice(0, 6).join(", ")}${late.length > 6 ? ", …" : ""})`,
    };
  }

  /** The longest delay before retry number `failures` (1 = first): min(cap, base x 2^(failures-1)). */
  private scheduleMs(failures: number): number {
    return Math.min(this.policy.capMs, this.policy.baseMs * 2 ** Math.min(failures - 1, 60));
  }

  private tooSoon(
    key: string,
    streak: readonly Cycle[],
    short: readonly string[],
    early: number,
  ): PropertyFailure {
    const first = streak[0] as Cycle;
    const last = streak[streak.length - 1] as Cycle;
    const [a, b] = key.split(">");
    return {
      property: "retry-backoff",
      devices: [Number(a), Number(b)],
      detail: `d${a} retried d${b} ${streak.length - 1} times in ${Math.round(last.t - first.t)} ms of failures (from ${Math.round(first.t)} ms): ${short.length} retries came before exponential backoff allows (base ${this.policy.baseMs} ms, cap ${this.policy.capMs} ms, equal jitter; ${early} early retries allowed; retry# gap<least ms: ${short.slice(0, 6).join(", ")}${short.length > 6 ? ", …" : ""}); the whole streak needs at least ${Math.round(minBackoffMs(streak.length - 1, this.policy))} ms`,
    };
  }
}
