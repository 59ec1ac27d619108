import { describe, expect, test } from "vitest";
import { Metrics } from "./metrics.js";

describe("Metrics", () => {
  test("counters and gauges by labels, as a plain object", () => {
    const m = new Metrics({ device: "d1" });
    m.inc("tidemark_pulls_total", { peer: "p", stream: "s" });
    m.inc("tidemark_pulls_total", { peer: "p", stream: "s" }, 2);
    m.set("tidemark_lag_seqs", { stream: "s" }, 7);
    expect(m.get("tidemark_pulls_total", { peer: "p", stream: "s" })).toBe(3);
    expect(m.values()).toEqual({
      'tidemark_lag_seqs{device="d1",stream="s"}': 7,
      'tidemark_pulls_total{device="d1",peer="p",stream="s"}': 3,
    });
    expect(m.sum("tidemark_pulls_total", { peer: "p" })).toBe(3);
  });

  test("Prometheus text exposition with HELP, TYPE and escaped labels", () => {
    const m = new Metrics();
    m.inc("tidemark_gap_events_total", { stream: 'a"b' });
    m.set("tidemark_peer_state", { peer: "p", state: "ready" }, 1);
    const text = m.prometheus();
    expect(text).toContain("# TYPE tidemark_gap_events_total counter");
    expect(text).toContain('tidemark_gap_events_total{stream="a\\"b"} 1');
    expect(text).toContain("# TYPE tidemark_peer_state gauge");
    expect(text.endsWith("\n")).toBe(true);
  });
});
