// A reconcile that fails part-way (a lost reply, the deadline passes) is
// retried after backoff and resumes where it stopped: it re-sends only the
// unanswered message, never starts the rounds again from zero. Before, a
// failed reconcile was remembered as "already reconciled these states" and
// never retried at all (seed-gap at scale never healed). Moved from
// packages/engine/src/sync/reconcile-resume.test.ts.
import type { ServiceImpl } from "@connectrpc/connect";
import { type ReconcileRequest, Resource, type SyncService } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { TestCluster } from "../../src/harness/cluster.js";
import { silentGapBehindCursor } from "../../src/harness/engine-faults.js";
import { cluster } from "./setup.js";

type Service = ServiceImpl<typeof SyncService>;
type Ranges = ReconcileRequest["ranges"];

/** Device `i` answers Hello as a version 1 peer: range rounds only, no coded symbols. */
function announceVersion1Only(c: TestCluster, i: number): void {
  c.intercept(i, (s: Service) => ({
    ...s,
    hello: async (req: Parameters<Service["hello"]>[0], ctx: Parameters<Service["hello"]>[1]) => ({
      ...(await s.hello(req, ctx)),
      capabilities: ["reconcile.v1"],
    }),
  }));
}

/**
 * Loses, once, the reply to the `nth` request from B that `counts` accepts;
 * returns whether it did. B's cursor claims A's head without 600 rows.
 */
async function lostReplyRun(
  c: TestCluster,
  counts: (ranges: Ranges) => boolean,
  nth: number,
): Promise<{ dropped: boolean; repaired: number; rounds: number; sent: number }> {
  const a = await c.open(0);
  const b = await c.open(1);
  await silentGapBehindCursor(c, 0, 1, { synced: 2_000, missing: 600 });
  let seen = 0;
  let dropped = false;
  c.policy = (m) => {
    if (m.method !== "reconcile" || m.to !== b.deviceId || m.kind !== "response") return undefined;
    if (!counts((m.message as { ranges: Ranges }).ranges)) return undefined;
    if (++seen === nth && !dropped) {
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

  expect((await c.convergence()).problems).toEqual([]);
  expect(c.logs.find("reconcile-resumed", { device: b.deviceId }).length).toBe(1);
  const done = c.logs.find("reconcile-finished", { device: b.deviceId, stream: entries });
  expect(done.length).toBe(1);
  const sent = c
    .requests<ReconcileRequest>("reconcile", (r) => r.from === b.deviceId)
    .filter((r) => r.ranges.length > 0).length;
  return {
    dropped,
    repaired: b.metricsRegistry.sum("tidemark_records_in_total", { stream: entries }) - before,
    rounds: Number(done[0]?.fields.rounds),
    sent,
  };
}

const carriesSymbols = (ranges: Ranges) => ranges.some((r) => r.payload.case === "symbols");

describe("reconcile resume", { timeout: 60_000 }, () => {
  test("a reconcile whose reply is lost mid-way resumes after backoff and repairs exactly the gap", async () => {
    const c = cluster({ seed: 41 });
    // Range rounds: A answers as a version 1 peer, so B never asks for symbols.
    announceVersion1Only(c, 0);
    const run = await lostReplyRun(c, (ranges) => ranges.length > 0, 2);
    expect(run.dropped).toBe(true);
    expect(run.repaired).toBe(600);
    // Every ranges message B sent was answered once, except the one whose
    // reply was lost, which was re-sent once: no round ran twice otherwise.
    expect(run.rounds).toBeGreaterThanOrEqual(3);
    expect(run.sent).toBe(run.rounds + 1);
    c.close();
  });

  test("a coded-symbol reconcile whose reply is lost resumes after backoff and repairs exactly the gap", async () => {
    const c = cluster({ seed: 41 });
    const run = await lostReplyRun(c, carriesSymbols, 1);
    expect(run.dropped).toBe(true);
    expect(run.repaired).toBe(600);
    expect(run.sent).toBe(run.rounds + 1);
    c.close();
  });
});
