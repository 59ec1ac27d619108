// The two recovery-timing scenarios reach what they are named for, with the
// real engine: a deferral lifted while the lacking side cannot act, and own
// commits held unconfirmed without ever being reconciled as a mismatch.
import { describe, expect, test } from "vitest";
import { deviceIdOf } from "../ids.js";
import { namedReplay } from "../replay.js";
import { runScenario } from "../simulation.js";
import { summaryLines } from "../summary.js";
import { engine } from "../test-support.js";
import { SIM_EPOCH_MS } from "../virtual-clock.js";
import { SCENARIOS } from "./index.js";

type Decision = { device: string; at: number; decision: string; reason: string; stream: string };

/** Every `sync-decision` record of a run at seed 1, scale 0.003 (it must pass). */
async function decisions(name: string): Promise<Decision[]> {
  const params = { seed: 1, scale: 0.003 };
  const make = SCENARIOS[name];
  if (make === undefined) throw new Error(`no scenario ${name}`);
  const r = await runScenario(make(params), { adapter: await engine(), keepLogs: true });
  if (!r.ok)
    throw new Error(summaryLines(r, namedReplay({ kind: "named", name, ...params })).join("\n"));
  return r.logText
    .split("\n")
    .filter((l) => l.includes('"sync-decision"'))
    .map((l) => JSON.parse(l))
    .map((e) => ({ ...e, at: e.time - SIM_EPOCH_MS }));
}

describe("recovery timing scenarios", () => {
  test("deferral-to-unreachable: the fuller client defers, then reconciles while the origin is down", async () => {
    const d2 = (await decisions("deferral-to-unreachable")).filter(
      (d) => d.device === deviceIdOf(2),
    );
    const deferred = d2.find((d) => d.reason === "reconcile-deferred-peer-has-fewer");
    expect(deferred).toBeDefined();
    const lifted = d2.find((d) => d.decision === "reconcile" && d.at > (deferred?.at ?? 0));
    expect(lifted?.at).toBeLessThan(14_000);
  }, 60_000);

  test("own-held-while-peer-down: the held own stream is never reconciled by its origin", async () => {
    const own = (await decisions("own-held-while-peer-down")).filter(
      (d) =>
        (d.device === "d0" || d.device === deviceIdOf(0)) && d.stream.startsWith(deviceIdOf(0)),
    );
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((d) => d.decision === "reconcile")).toEqual([]);
  }, 60_000);
});
