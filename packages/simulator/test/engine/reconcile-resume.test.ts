// A reconcile that fails part-way (a lost reply, the deadline passes) is
// retried after backoff and resumes where it stopped: it re-sends only the
// unanswered message, never starts the rounds again from zero. Before, a
// failed reconcile was remembered as "already reconciled these states" and
// never retried at all (seed-gap at scale never healed). Moved from
// packages/engine/src/sync/reconcile-resume.test.ts.
import { type ReconcileRequest, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { silentGapBehindCursor } from "../../src/harness/engine-faults.js";
import { cluster } from "./setup.js";

describe("reconcile resume", { timeout: 60_000 }, () => {
  test("a reconcile whose reply is lost mid-way resumes after backoff and repairs exactly the gap", async () => {
    const c = cluster({ seed: 41 });
    const a = await c.open(0);
    const b = await c.open(1);
    // B's cursor claims A's head without the 600 new rows (silent loss).
    await silentGapBehindCursor(c, 0, 1, { synced: 2_000, missing: 600 });

    // Lose the reply to B's second ranges round, once.
    let rangeRounds = 0;
    let dropped = false;
    c.policy = (m) => {
      if (m.method !== "reconcile" || m.to !== b.deviceId || m.kind !== "response")
        return undefined;
      const req = (m.message as { ranges: unknown[] }).ranges;
      if (req.length === 0) return undefined;
      if (++rangeRounds === 2 && !dropped) {
        dropped = true;
        return { drop: true };
      }
      return undefined;
    };
    const entries = `${a.deviceId}/${Resource.ENTRY}`;
    const before = b.metricsRegistry.sum("tidemark_records_in_total", { stream: entries });
    c.calls.length = 0;
    c.connect(0, 1);
    await c.settle();
    await c.run(120_000);
    await c.settle();

    expect(dropped).toBe(true);
    expect((await c.convergence()).problems).toEqual([]);
    const after = b.metricsRegistry.sum("tidemark_records_in_total", { stream: entries });
    expect(after - before).toBe(600);
    expect(c.logs.find("reconcile-resumed", { device: b.deviceId }).length).toBe(1);
    const done = c.logs.find("reconcile-finished", { device: b.deviceId, stream: entries });
    expect(done.length).toBe(1);
    const rounds = Number(done[0]?.fields.rounds);
    // Every ranges message B sent was answered once, except the one whose
    // reply was lost, which was re-sent once: no round ran twice otherwise.
    const sent = c
      .requests<ReconcileRequest>("reconcile", (r) => r.from === b.deviceId)
      .filter((r) => r.ranges.length > 0);
    expect(rounds).toBeGreaterThanOrEqual(3);
    expect(sent.length).toBe(rounds + 1);
    c.close();
  });
});
