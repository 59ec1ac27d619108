// exchanges-serial judges each ordered pair's ExchangeWatermarks calls on
// the wire: one in flight at a time, until answered or half the timeout.
import { describe, expect, test } from "vitest";
import type { Delivered, TapInfo } from "../network/network.js";
import { ExchangesSerial } from "./exchanges-serial.js";
import { tapRequest } from "./tap.fixture.js";

const RPC = "ExchangeWatermarks";
const TIMEOUT_MS = 1_000;

const req = (from: number, to: number, call: number, rpc = RPC): TapInfo =>
  tapRequest(from, to, rpc, call);

const res = (from: number, to: number, call: number): Delivered => ({
  from,
  to,
  rpc: RPC,
  part: "res",
  call,
  message: () => undefined,
});

describe("exchanges-serial", () => {
  test("one exchange after another, another peer's or another call meanwhile, passes", () => {
    const t = new ExchangesSerial(
      () => 1,
      () => false,
      TIMEOUT_MS,
    );
    t.observe(req(0, 1, 1), 0);
    t.observe(req(0, 2, 2), 1);
    t.observe(req(0, 1, 3, "Backfill"), 2);
    t.delivered(res(1, 0, 1));
    t.observe(req(0, 1, 4), 3);
    // Unanswered past half the timeout: the caller may have given up.
    t.observe(req(0, 1, 5), 3 + TIMEOUT_MS / 2);
    t.reconnected(0, 1);
    t.observe(req(0, 1, 6), 3 + TIMEOUT_MS / 2 + 1);
    expect(t.check()).toBeUndefined();
  });

  test("a second exchange while the first is unanswered fails, unless the caller restarted or lies", () => {
    let gen = 1;
    const t = new ExchangesSerial(
      () => gen,
      (d) => d === 2,
      TIMEOUT_MS,
    );
    t.observe(req(2, 1, 1), 0);
    t.observe(req(2, 1, 2), 1);
    t.observe(req(0, 1, 3), 0);
    gen = 2;
    t.observe(req(0, 1, 4), 1);
    expect(t.check()).toBeUndefined();
    t.observe(req(0, 1, 5), 2);
    expect(t.check()?.detail).toContain(
      "d0 sent d1 an ExchangeWatermarks at 2 ms while its call of 1 ms",
    );
  });
});
