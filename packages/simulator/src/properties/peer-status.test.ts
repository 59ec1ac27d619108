// The peer properties on hand-made status, metrics and messages: a state
// gauge or failure gauge that disagrees with the status and an exchange
// loop at rest.
import { describe, expect, test } from "vitest";
import type { TapInfo } from "../network/network.js";
import { parseMetricKey, peerMetricsAgree } from "./peer-status.js";
import { QuietTracker } from "./quiet.js";

const peer = "ab".repeat(16);
const gauges = (on: string, failures: number): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const s of ["uninitialized", "backfilling", "ready", "catching-up", "backoff", "failed"])
    out[`tidemark_peer_state{device="d",peer="${peer}",state="${s}"}`] = s === on ? 1 : 0;
  if (failures > 0) out[`tidemark_consecutive_failures{device="d",peer="${peer}"}`] = failures;
  return out;
};
const status = (state: string, consecutiveFailures: number) => [
  { peer, state, connected: true, consecutiveFailures },
];

describe("peer-metrics-agree", () => {
  test("gauges one-hot at the published state, with its failure count, pass", () => {
    expect(peerMetricsAgree(0, status("backoff", 2), gauges("backoff", 2))).toBeUndefined();
    expect(peerMetricsAgree(0, status("ready", 0), gauges("ready", 0))).toBeUndefined();
  });

  test("a state gauge set for another state than the status fails", () => {
    expect(peerMetricsAgree(0, status("ready", 0), gauges("catching-up", 0))?.property).toBe(
      "peer-metrics-agree",
    );
  });

  test("a failure gauge that is not the status' count fails", () => {
    expect(peerMetricsAgree(0, status("backoff", 1), gauges("backoff", 3))?.property).toBe(
      "peer-metrics-agree",
    );
  });

  test("metric keys parse into name and labels, escapes undone", () => {
    expect(parseMetricKey('m{a="x",b="y\\"z"}')).toEqual({
      name: "m",
      labels: { a: "x", b: 'y"z' },
    });
    expect(parseMetricKey("m")).toEqual({ name: "m", labels: {} });
  });
});

const req = (from: number, to: number, rpc: string): TapInfo => ({
  from,
  to,
  rpc,
  part: "req",
  call: 1,
  bytes: 0,
  message: () => undefined,
});

describe("chatter-at-rest", () => {
  test("a periodic exchange per pair at rest passes", () => {
    const q = new QuietTracker();
    q.start();
    q.observe(req(0, 1, "ExchangeWatermarks"), 1);
    q.observe(req(1, 0, "ExchangeWatermarks"), 2);
    expect(q.check(65_000, 60_000)).toBeUndefined();
  });

  test("exchanges looping between a pair fail", () => {
    const q = new QuietTracker();
    q.start();
    for (let i = 0; i < 10; i++) q.observe(req(0, 1, "ExchangeWatermarks"), i);
    expect(q.check(65_000, 60_000)?.property).toBe("chatter-at-rest");
  });
});
