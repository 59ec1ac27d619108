// retry-backoff judges retry cycles seen on the network: failing retries
// spaced by exponential backoff pass, a storm at the first delay (bug 6:
// every retry at `failures: 1`) fails, and what lets an engine retry at
// once (a reconnect, the peer calling in) or a page that arrived (progress)
// is not counted against it.
import { describe, expect, test } from "vitest";
import { type BackoffPolicy, minBackoffMs, RetryTracker } from "./retry.js";

const POLICY: BackoffPolicy = { baseMs: 1_000, capMs: 60_000, callTimeoutMs: 10_000 };

const STREAM = { origin: new Uint8Array(16).fill(0xaa), resource: 4 };
const page = (call: number, seq: bigint) => ({
  from: 1,
  to: 0,
  rpc: "Backfill",
  part: "page",
  call,
  message: () => ({ stream: STREAM, changes: [{ seq }] }),
});

/** d0 calls d1: an exchange (and a Backfill after it) at each given time, none answered. */
function failingCycles(times: readonly number[], answered: (t: number) => boolean = () => false) {
  const r = new RetryTracker(POLICY, () => 1);
  let call = 0;
  for (const t of times) {
    for (const rpc of ["ExchangeWatermarks", "Backfill"]) {
      call++;
      r.observe({ from: 0, to: 1, rpc, part: "req", call, bytes: 10, message: () => undefined }, t);
      if (answered(t) && rpc === "Backfill") r.delivered(page(call, BigInt(t + 1)), t + 5);
    }
  }
  return r;
}

describe("retry-backoff (bug 6)", () => {
  test("minBackoffMs sums the lower bounds of equal-jitter exponential delays", () => {
    expect(minBackoffMs(0, POLICY)).toBe(0);
    expect(minBackoffMs(3, POLICY)).toBe(500 + 1_000 + 2_000);
    expect(minBackoffMs(8, POLICY)).toBe(0.5 * (1 + 2 + 4 + 8 + 16 + 32 + 60) * 1_000 + 30_000);
  });

  test("failing retries spaced by exponential backoff pass", () => {
    const times = [0];
    for (let k = 1; k <= 10; k++)
      times.push((times[k - 1] ?? 0) + 0.5 * Math.min(60_000, 2 ** (k - 1) * 1_000));
    expect(failingCycles(times).check(1_000_000)).toBeUndefined();
  });

  test("retries at the first delay forever fail, naming the pair", () => {
    const times = Array.from({ length: 12 }, (_, i) => i * 800);
    const f = failingCycles(times).check(1_000_000);
    expect(f?.property).toBe("retry-backoff");
    expect(f?.devices).toEqual([0, 1]);
    expect(f?.detail).toContain("d0 retried d1 11 times");
  });

  test("a page with new data is progress: the count may start over", () => {
    const times = Array.from({ length: 12 }, (_, i) => i * 800);
    expect(failingCycles(times, (t) => t % 1_600 === 0).check(1_000_000)).toBeUndefined();
  });

  test("the same pages again are no progress (a refused pull re-fetched)", () => {
    const r = new RetryTracker(POLICY, () => 1);
    for (let i = 0; i < 12; i++) {
      const t = i * 800;
      r.observe(
        {
          from: 0,
          to: 1,
          rpc: "ExchangeWatermarks",
          part: "req",
          call: 2 * i,
          bytes: 1,
          message: () => undefined,
        },
        t,
      );
      r.observe(
        {
          from: 0,
          to: 1,
          rpc: "Backfill",
          part: "req",
          call: 2 * i + 1,
          bytes: 1,
          message: () => undefined,
        },
        t,
      );
      r.delivered(
        {
          from: 1,
          to: 0,
          rpc: "ExchangeWatermarks",
          part: "res",
          call: 2 * i,
          message: () => undefined,
        },
        t + 5,
      );
      r.delivered(page(2 * i + 1, 50n), t + 10);
    }
    expect(r.check(1_000_000)?.property).toBe("retry-backoff");
  });

  test("reconnects and the peer's own calls allow retries at once", () => {
    const times = Array.from({ length: 8 }, (_, i) => i * 800);
    const r = failingCycles(times);
    expect(r.check(1_000_000)?.property).toBe("retry-backoff");
    for (const t of [700, 1_500, 2_300]) r.allowEarly(0, 1, t);
    r.delivered(
      { from: 1, to: 0, rpc: "Hello", part: "req", call: 999, message: () => undefined },
      3_100,
    );
    expect(r.check(1_000_000)).toBeUndefined();
  });

  test("answered failures retried past the cap fail; unanswered ones are not judged from above", () => {
    const capped: BackoffPolicy = { ...POLICY, capMs: 4_000 };
    /** d0 -> d1 exchanges at `times`, each answered with an error 5 ms later unless `lost`. */
    const cycles = (times: readonly number[], lost: boolean) => {
      const r = new RetryTracker(capped, () => 1);
      times.forEach((t, call) => {
        r.observe(
          {
            from: 0,
            to: 1,
            rpc: "ExchangeWatermarks",
            part: "req",
            call,
            bytes: 1,
            message: () => undefined,
          },
          t,
        );
        if (!lost)
          r.delivered(
            {
              from: 1,
              to: 0,
              rpc: "ExchangeWatermarks",
              part: "err",
              call,
              message: () => undefined,
            },
            t + 5,
          );
      });
      return r;
    };
    const growing = [0, 1_000, 3_000, 7_000, 11_000, 15_000, 19_000];
    expect(cycles(growing, false).check(1_000_000)).toBeUndefined();
    const uncapped = [0, 1_000, 3_000, 7_000, 15_000, 31_000, 63_000];
    const f = cycles(uncapped, false).check(1_000_000);
    expect(f?.property).toBe("retry-backoff");
    expect(f?.detail).toContain(
      "later than the backoff schedule allows after 3 of 6 failed cycles",
    );
    expect(cycles(uncapped, true).check(1_000_000)).toBeUndefined();
  });

  test("a pull that brought new data and then failed starts the count over: growing waits after it fail", () => {
    /** d0 -> d1: each cycle an exchange, then a Backfill landing one new page and failing 5 ms later. */
    const cutPulls = (waits: readonly number[]) => {
      const r = new RetryTracker(POLICY, () => 1);
      let t = 0;
      let call = 0;
      let seq = 0n;
      for (const wait of [...waits, 0]) {
        for (const rpc of ["ExchangeWatermarks", "Backfill"]) {
          call++;
          r.observe(
            { from: 0, to: 1, rpc, part: "req", call, bytes: 1, message: () => undefined },
            t,
          );
          if (rpc === "ExchangeWatermarks")
            r.delivered(
              { from: 1, to: 0, rpc, part: "res", call, message: () => undefined },
              t + 1,
            );
        }
        seq += 10n;
        r.delivered(page(call, seq), t + 2);
        r.delivered(
          { from: 1, to: 0, rpc: "Backfill", part: "err", call, message: () => undefined },
          t + 5,
        );
        t += 5 + wait;
      }
      return r;
    };
    expect(cutPulls([900, 700, 1_000, 800, 950, 600]).check(1_000_000)).toBeUndefined();
    // Counted as if no pull progressed: 1, 2, 4, 8, 16 s.
    const f = cutPulls([1_000, 2_000, 4_000, 8_000, 16_000, 32_000]).check(1_000_000);
    expect(f?.property).toBe("retry-backoff");
    expect(f?.detail).toContain("after 3 calls that brought new data and then failed");
  });

  test("answered failures retried slower than doubling fail below the cap; failed pushes loosen it", () => {
    /** d0 -> d1: an exchange answered with an error 5 ms after each start; the next starts `wait` later. */
    const tracker = (waits: readonly number[], pushEvery = false) => {
      const r = new RetryTracker(POLICY, () => 1);
      let t = 0;
      let call = 0;
      const send = (rpc: string, at: number, part: "err" | undefined) => {
        call++;
        r.observe(
          { from: 0, to: 1, rpc, part: "req", call, bytes: 1, message: () => undefined },
          at,
        );
        if (part !== undefined)
          r.delivered({ from: 1, to: 0, rpc, part, call, message: () => undefined }, at + 5);
      };
      for (const wait of [...waits, 0]) {
        send("ExchangeWatermarks", t, "err");
        if (pushEvery) for (const dt of [10, 20, 30]) send("PushChanges", t + dt, undefined);
        t += 5 + wait;
      }
      return r;
    };
    expect(tracker([1_000, 2_000, 4_000, 8_000, 16_000]).check(1_000_000)).toBeUndefined();
    const slow = [5_000, 10_000, 20_000, 40_000];
    const f = tracker(slow).check(1_000_000);
    expect(f?.property).toBe("retry-backoff");
    expect(f?.detail).toContain("later than the backoff schedule allows after 4 of 4");
    // Three failed pushes per cycle: the caller may have counted them too.
    expect(tracker(slow, true).check(1_000_000)).toBeUndefined();
  });

  test("retry-jitter: uncapped waits all at one point of the schedule fail, jittered ones pass", () => {
    const tracker = (waits: readonly number[]) => {
      const r = new RetryTracker(POLICY, () => 1);
      let t = 0;
      [...waits, 0].forEach((wait, call) => {
        r.observe(
          {
            from: 0,
            to: 1,
            rpc: "ExchangeWatermarks",
            part: "req",
            call,
            bytes: 1,
            message: () => undefined,
          },
          t,
        );
        r.delivered(
          {
            from: 1,
            to: 0,
            rpc: "ExchangeWatermarks",
            part: "err",
            call,
            message: () => undefined,
          },
          t + 5,
        );
        t += 5 + wait;
      });
      return r;
    };
    // No jitter: 500 x 2^j, a millisecond either side of it.
    const f = tracker([500, 999, 2_000, 4_001, 8_000, 16_000, 30_000]).check(1_000_000);
    expect(f?.property).toBe("retry-jitter");
    expect(f?.detail).toContain("all 6 uncapped retry waits");
    expect(tracker([700, 1_900, 2_300, 5_100, 9_000, 12_000]).check(1_000_000)).toBeUndefined();
    // Too few waits to judge.
    expect(tracker([500, 1_000, 2_000, 4_000]).check(1_000_000)).toBeUndefined();
  });

  test("calls still within their timeout are not judged yet", () => {
    const times = Array.from({ length: 12 }, (_, i) => i * 800);
    expect(failingCycles(times).check(12 * 800)).toBeUndefined();
  });
});
