// Scenarios aimed at the boundaries of the decision table (PROTOCOL §4.2):
// a device exactly at its peer's tombstone horizon (row 6: a plain pull,
// no full resync) and a peer whose cursor is frozen mid-pull (row 8:
// nothing until the pull ends). Each converges with every property
// holding — repairs judged against the table included — and really
// reaches that boundary (asserted on its trace).
import { describe, expect, test } from "vitest";
import type { RunResult } from "../simulation.js";
import { runNamed } from "../test-support.js";

const sends = (r: RunResult, from: number, to: number, rpc: string, part = "req") =>
  r.world.trace
    .records()
    .filter(
      (x) => x.k === "send" && x.from === from && x.to === to && x.rpc === rpc && x.part === part,
    );

describe("decision table boundaries", () => {
  test("behind-at-horizon: a device at its peer's horizon catches up with a pull, not a full resync", async () => {
    const r = await runNamed("behind-at-horizon");
    const healed = r.scenario.chaosMs;
    const pulls = sends(r, 1, 0, "Backfill").filter((x) => Number(x.t) >= healed);
    expect(pulls.length).toBeGreaterThan(0);
    // Before the at-rest checks, whose own range questions are Reconcile calls.
    const rest = r.world.trace
      .records()
      .find((x) => x.k === "phase" && x.name === "reconcile-answers-at-rest");
    const restAt = rest === undefined ? Number.POSITIVE_INFINITY : Number(rest.t);
    expect(sends(r, 1, 0, "Reconcile").filter((x) => Number(x.t) < restAt)).toEqual([]);
  }, 120_000);

  test("peer-mid-pull: a peer exchanging while its pull is under way is left to finish it", async () => {
    const r = await runNamed("peer-mid-pull");
    const pages = sends(r, 0, 2, "Backfill", "page").map((x) => Number(x.t));
    const [first, last] = [Math.min(...pages), Math.max(...pages)];
    // d1 and d2 exchanged while d2's pages were still arriving.
    const during = [
      ...sends(r, 1, 2, "ExchangeWatermarks"),
      ...sends(r, 2, 1, "ExchangeWatermarks"),
    ]
      .map((x) => Number(x.t))
      .filter((t) => t > first && t < last);
    expect(during.length).toBeGreaterThan(0);
    expect(sends(r, 1, 2, "Reconcile")).toEqual([]);
  }, 120_000);

  test("below-horizon-peer-pulling: a device below the horizon waits for a pulling peer, then resyncs", async () => {
    const r = await runNamed("below-horizon-peer-pulling");
    const pages = sends(r, 0, 2, "Backfill", "page").map((x) => Number(x.t));
    const restoredAt = 102_000;
    // d2 was still pulling when d1, restored below the horizon, exchanged with it.
    expect(Math.max(...pages)).toBeGreaterThan(restoredAt);
    const exchanged = sends(r, 1, 2, "ExchangeWatermarks").map((x) => Number(x.t));
    expect(exchanged.some((t) => t > restoredAt && t < Math.max(...pages))).toBe(true);
    expect(
      r.world.trace.records().some((x) => x.k === "send" && x.from === 1 && x.rpc === "Reconcile"),
    ).toBe(true);
  }, 120_000);
});
