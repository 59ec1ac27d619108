// hello-first judges each incarnation's first request to a peer on the wire.
import { describe, expect, test } from "vitest";
import type { TapInfo } from "../network/network.js";
import { HelloFirst } from "./hello-first.js";

const req = (from: number, to: number, rpc: string): TapInfo => ({
  from,
  to,
  rpc,
  part: "req",
  call: 1,
  bytes: 10,
  message: () => undefined,
});

describe("hello-first", () => {
  test("a Hello first on each incarnation passes; answers and unjudged senders are ignored", () => {
    let gen = 1;
    const t = new HelloFirst(
      () => gen,
      (d) => d === 2,
    );
    t.observe({ ...req(1, 0, "ExchangeWatermarks"), part: "res" });
    t.observe(req(0, 1, "Hello"));
    t.observe(req(0, 1, "ExchangeWatermarks"));
    t.observe(req(2, 0, "Backfill"));
    gen = 2;
    t.observe(req(0, 1, "Hello"));
    t.observe(req(0, 1, "PushChanges"));
    expect(t.check()).toBeUndefined();
  });

  test("an exchange before any Hello of a new incarnation fails", () => {
    let gen = 1;
    const t = new HelloFirst(
      () => gen,
      () => false,
    );
    t.observe(req(0, 1, "Hello"));
    gen = 2;
    t.observe(req(0, 1, "ExchangeWatermarks"));
    expect(t.check()?.detail).toContain("incarnation 2 was ExchangeWatermarks");
  });
});
