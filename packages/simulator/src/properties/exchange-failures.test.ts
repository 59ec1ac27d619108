// exchange-failures-counted on hand-made calls and metrics: an unanswered
// call the caller counted passes, one it did not count fails, and an
// answered call, a call too recent to judge or one of an earlier
// incarnation is not judged.
import { describe, expect, test } from "vitest";
import { deviceIdOf } from "../ids.js";
import type { TapInfo } from "../network/network.js";
import type { SimNode } from "../node.js";
import { ExchangeFailureTracker } from "./exchange-failures.js";

const call = (id: number, part: "req" | "res" = "req") =>
  ({
    from: 0,
    to: 1,
    rpc: "ExchangeWatermarks",
    part,
    call: id,
    bytes: 0,
    message: () => ({}),
  }) satisfies TapInfo;
const caller = (counted: number, generation = 1) =>
  ({
    index: 0,
    generation,
    replica: {
      probe: {
        metrics: () => ({
          [`tidemark_exchange_failures_total{peer="${deviceIdOf(1)}"}`]: counted,
        }),
      },
    },
  }) as unknown as SimNode;

function tracker(calls: readonly number[], answered: readonly number[] = []) {
  const t = new ExchangeFailureTracker(() => 1);
  for (const c of calls) t.observe(call(c), c * 100);
  for (const c of answered) t.delivered(call(c, "res"));
  return t;
}

describe("exchange-failures-counted", () => {
  test("unanswered calls the caller counted pass", async () => {
    expect(await tracker([1, 2]).check([caller(2)], 1_000)).toBeUndefined();
  });

  test("an unanswered call the caller did not count fails", async () => {
    const f = await tracker([1, 2]).check([caller(1)], 1_000);
    expect(f?.property).toBe("exchange-failures-counted");
    expect(f?.detail).toContain("made 2 ExchangeWatermarks calls to d1");
  });

  test("answered calls, calls after `until` and an earlier incarnation's are not judged", async () => {
    expect(await tracker([1, 2], [1, 2]).check([caller(0)], 1_000)).toBeUndefined();
    expect(await tracker([1, 20]).check([caller(1)], 1_000)).toBeUndefined();
    expect(await tracker([1]).check([caller(0, 2)], 1_000)).toBeUndefined();
  });

  test("a call in flight when the two devices were unpaired is not judged (its late failure is dropped)", async () => {
    const t = tracker([1, 2]);
    t.unpaired(1, 0);
    t.observe(call(3), 300);
    expect(await t.check([caller(1)], 1_000)).toBeUndefined();
    expect((await t.check([caller(0)], 1_000))?.detail).toContain(
      "made 1 ExchangeWatermarks calls",
    );
  });
});
