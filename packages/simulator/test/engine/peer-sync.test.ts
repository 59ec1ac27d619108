// The per-peer state machine and the four triggers, in virtual time
// (moved from packages/engine/src/sync/peer-sync.test.ts).
import { Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { TestCluster } from "../../src/harness/cluster.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster, indexedInSync } from "./setup.js";

function transitions(c: TestCluster, device: string, peer: string): string[] {
  return c.logs.find("peer-state", { device, peer }).map((e) => `${e.fields.from}->${e.fields.to}`);
}

describe("peer state machine", { timeout: 60_000 }, () => {
  test("a fresh replica goes uninitialized -> backfilling -> ready, each transition logged", async () => {
    const c = cluster({ seed: 41 });
    const [A, B] = [c.id(0), c.id(1)];
    await c.open(0);
    const b = await c.open(1);
    new TreeIndexer(c, 0).init();
    expect(b.status().peers[0]?.state).toBe("uninitialized");
    c.connectAll();
    await c.settle();
    expect(transitions(c, B, A)).toEqual(["uninitialized->backfilling", "backfilling->ready"]);
    expect(b.status().peers[0]).toMatchObject({
      state: "ready",
      connected: true,
      consecutiveFailures: 0,
    });
    expect(b.metrics().values[`tidemark_peer_state{device="${B}",peer="${A}",state="ready"}`]).toBe(
      1,
    );
    c.close();
  });

  test("failures back off exponentially with jitter, then recover to ready", async () => {
    const c = cluster({ seed: 42, config: { backoffBaseMs: 1_000, backoffMaxMs: 8_000 } });
    const [A, B] = [c.id(0), c.id(1)];
    await c.open(0);
    const b = await c.open(1);
    c.setLink(0, 1, false);
    b.peerConnected(A);
    await c.run(20_000);
    const delays = c.logs.find("backoff", { device: B }).map((e) => e.fields.delayMs as number);
    expect(delays.length).toBeGreaterThanOrEqual(4);
    delays.forEach((d, i) => {
      const full = Math.min(8_000, 1_000 * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(full / 2);
      expect(d).toBeLessThanOrEqual(full);
    });
    expect(b.status().peers[0]?.state).toBe("backoff");
    c.setLink(0, 1, true);
    await c.run(10_000);
    await c.settle();
    expect(b.status().peers[0]).toMatchObject({ state: "ready", consecutiveFailures: 0 });
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("a peer that reaches us while we back off from it is retried at once, not after the backoff", async () => {
    const c = cluster({ seed: 44, config: { backoffBaseMs: 1_000, backoffMaxMs: 60_000 } });
    const [A, B] = [c.id(0), c.id(1)];
    const a = await c.open(0);
    const b = await c.open(1);
    c.setLink(0, 1, false);
    b.peerConnected(A);
    await c.run(40_000);
    const delays = c.logs.find("backoff", { device: B }).map((e) => e.fields.delayMs as number);
    expect(delays.at(-1)).toBeGreaterThanOrEqual(8_000);
    expect(b.status().peers[0]?.state).toBe("backoff");
    // A comes back (say it restarted) and calls B first.
    c.setLink(0, 1, true);
    a.peerConnected(B);
    await c.run(2_000);
    expect(b.status().peers[0]).toMatchObject({ state: "ready", consecutiveFailures: 0 });
    const reasons = c.logs.find("peer-state", { device: B, peer: A }).map((e) => e.fields.reason);
    expect(reasons).toContain("peer-inbound");
    c.close();
  });

  test("backoff-never-grows-for-a-failure-that-repeats", async () => {
    // Every exchange succeeds, every pull of the entry stream times out: the
    // exchange before each retry must not reset the failure count.
    const c = cluster({
      seed: 45,
      config: { backoffBaseMs: 1_000, backoffMaxMs: 60_000, requestTimeoutMs: 2_000 },
    });
    const [A, B] = [c.id(0), c.id(1)];
    await c.open(0);
    await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(50);
    c.policy = (m) =>
      m.method === "backfill" && m.kind === "response" && m.to === B ? { drop: true } : undefined;
    c.connectAll();
    await c.run(120_000);
    const backoffs = c.logs.find("backoff", { device: B, peer: A });
    const failures = backoffs.map((e) => e.fields.failures as number);
    // The count only grows (on the unfixed code every retry ran at 1), and
    // each delay is at least half of base x 2^(failures-1).
    expect(failures).toEqual([...failures].sort((x, y) => x - y));
    expect(Math.max(...failures)).toBeGreaterThanOrEqual(5);
    for (const e of backoffs) {
      const n = e.fields.failures as number;
      expect(e.fields.delayMs as number).toBeGreaterThanOrEqual(
        Math.min(60_000, 1_000 * 2 ** (n - 1)) / 2,
      );
    }
    c.policy = undefined;
    await c.run(120_000);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    expect(c.get(1).status().peers[0]).toMatchObject({ state: "ready", consecutiveFailures: 0 });
    c.close();
  });

  test("a peer of another library is parked in failed, never retried", async () => {
    const c = cluster({ seed: 43 });
    await c.open(0);
    const b = await c.open(1, { libraryId: "0190ffff000070008000000000000009" });
    b.peerConnected(c.id(0));
    await c.run(30_000);
    expect(b.status().peers[0]?.state).toBe("failed");
    expect(c.logs.find("peer-failure", { device: c.id(1) })).toHaveLength(1);
    c.close();
  });
});

describe("triggers", { timeout: 60_000 }, () => {
  test("one stuck peer never blocks the others", async () => {
    const c = cluster({ seed: 44, config: { requestTimeoutMs: 20_000 } });
    const C = c.id(2);
    const ix = await indexedInSync(c, 0, 3);
    c.policy = (m) => (m.to === C || m.from === C ? { drop: true } : undefined);
    ix.index(100, 10);
    await c.run(1_000);
    expect((await c.convergence([0, 1])).problems).toEqual([]);
    expect((await c.convergence()).ok).toBe(false);
    c.policy = undefined;
    await c.run(90_000);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("NotifyDataAvailable makes the receiver pull a bulk it did not get in realtime", async () => {
    const c = cluster({ seed: 45 });
    const B = c.id(1);
    const ix = await indexedInSync(c, 0);
    const a = c.get(0);
    c.logs.events.length = 0;
    c.policy = (m) => (m.method === "pushChanges" ? { drop: true } : undefined);
    ix.index(500);
    a.announceDataAvailable();
    await c.run(500);
    expect(
      c.logs.find("sync-decision", { device: B, trigger: "data-available", decision: "pull" })
        .length,
    ).toBe(1);
    expect(
      c.logs.find("pull-finished", { device: B, stream: `${c.id(0)}/${Resource.ENTRY}` }).length,
    ).toBe(1);
    c.policy = undefined;
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("the periodic exchange repairs a silent loss, but is skipped while realtime is active", async () => {
    const c = cluster({ seed: 46, config: { requestTimeoutMs: 120_000 } });
    const A = c.id(0);
    const ix = await indexedInSync(c, 0);
    // Realtime keeps flowing for 70 s: the 60 s periodic check is skipped.
    for (let t = 0; t < 14; t++) {
      ix.index(5);
      await c.run(5_000);
    }
    expect(c.logs.find("periodic-skipped", { device: A }).length).toBeGreaterThan(0);
    expect(c.logs.find("exchange", { device: A, trigger: "periodic" })).toEqual([]);
    // A push is lost silently (its answer never comes; no later batch shows a gap).
    c.policy = (m) => (m.method === "pushChanges" ? { drop: true } : undefined);
    ix.index(7);
    await c.run(1_000);
    expect((await c.convergence()).ok).toBe(false);
    c.policy = undefined;
    await c.run(65_000);
    await c.settle();
    expect(c.logs.find("exchange", { trigger: "periodic" }).length).toBeGreaterThan(0);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test.each([
    ["set back a day", { skewMs: -86_400_000 }],
    ["frozen", "frozen"],
  ] as const)(
    "periodic-exchange-skipped-under-a-frozen-or-backward-clock: wall clock %s",
    async (_, fault) => {
      const c = cluster({ seed: 47, config: { requestTimeoutMs: 600_000 } });
      const ix = await indexedInSync(c, 0);
      ix.index(5);
      await c.run(1_000);
      // Right after realtime traffic both wall clocks go wrong (drift -1
      // stops a clock where it is), then a push is lost silently (no answer,
      // no later batch shows the gap): only a periodic exchange can find it.
      for (const n of [0, 1]) {
        c.node(n).setClock(fault === "frozen" ? { drift: -1, skewMs: c.sched.now } : fault);
      }
      c.policy = (m) => (m.method === "pushChanges" ? { drop: true } : undefined);
      ix.index(7);
      await c.run(1_000);
      expect((await c.convergence()).ok).toBe(false);
      c.policy = undefined;
      await c.run(150_000);
      await c.settle();
      expect(c.logs.find("exchange", { trigger: "periodic" }).length).toBeGreaterThan(0);
      expect((await c.convergence()).problems).toEqual([]);
      c.close();
    },
  );
});

describe("sources, batching, metrics, idle", { timeout: 60_000 }, () => {
  test("a device reaching both the origin and a relay pulls the origin's streams from the origin", async () => {
    const c = cluster({ seed: 47 });
    const [A, C] = [c.id(0), c.id(2)];
    await c.open(0);
    await c.open(1);
    await c.open(2);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(200);
    c.setLink(0, 1, false);
    c.setLink(1, 2, false);
    c.connect(0, 2);
    await c.settle();
    c.connect(0, 1);
    c.connect(1, 2);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    const m = c.get(1).metricsRegistry;
    expect(m.sum("tidemark_pulls_total", { peer: A, stream: `${A}/4` })).toBe(1);
    expect(m.sum("tidemark_pulls_total", { peer: C, stream: `${A}/4` })).toBe(0);
    c.close();
  });

  test("realtime pushes a commit after a quiet window at once, holds the next for 50 ms, sends 100 changes at once", async () => {
    const c = cluster({
      seed: 48,
      link: {
        latencyMs: 0,
        jitterMs: 0,
        loss: 0,
        duplicate: 0,
        reorder: 0,
        reorderDelayMs: 0,
        bytesPerMs: undefined,
      },
    });
    const ix = await indexedInSync(c, 0);
    const sent: { at: number; changes: number }[] = [];
    c.policy = (m) => {
      if (m.method === "pushChanges" && m.kind === "request") {
        const req = m.message as { batches: { changes: unknown[] }[] };
        sent.push({ at: c.now(), changes: req.batches.reduce((n, b) => n + b.changes.length, 0) });
      }
      return undefined;
    };
    // Nothing pushed for a while: commits of one turn go at once, in one push.
    const t0 = c.now();
    ix.index(3, 1);
    await c.run(10);
    expect(sent).toEqual([{ at: t0, changes: 3 }]);
    // Inside the window after that push: held until it ends.
    ix.index(2, 1);
    await c.run(10);
    expect(sent).toHaveLength(1);
    await c.run(100);
    expect(sent).toEqual([
      { at: t0, changes: 3 },
      { at: t0 + 50, changes: 2 },
    ]);
    sent.length = 0;
    // A full batch goes at once, even inside the window.
    const t1 = c.now();
    ix.index(1, 1);
    await c.run(1);
    ix.index(100, 100);
    await c.run(1);
    expect(sent).toEqual([
      { at: t1, changes: 1 },
      { at: t1 + 1, changes: 100 },
    ]);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("metrics read as a plain object and as Prometheus text; idle() resolves when work drains", async () => {
    const c = cluster({ seed: 49 });
    const [A, B] = [c.id(0), c.id(1)];
    await c.open(0);
    const b = await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(50);
    c.connectAll();
    let idle = false;
    void b.idle().then(() => {
      idle = true;
    });
    await new Promise<void>((r) => setImmediate(r));
    expect(idle).toBe(false);
    await c.settle();
    await new Promise<void>((r) => setImmediate(r));
    expect(idle).toBe(true);
    const { values, prometheus } = b.metrics();
    expect(values[`tidemark_records_in_total{device="${B}",peer="${A}",stream="${A}/4"}`]).toBe(51);
    expect(prometheus).toContain("# TYPE tidemark_pulls_total counter");
    expect(prometheus).toMatch(
      /tidemark_exchanges_total\{device="[0-9a-f]+",peer="[0-9a-f]+",trigger="connect"\} 1/,
    );
    c.close();
  });
});

describe("realtime flow control", { timeout: 60_000 }, () => {
  test("a realtime backlog past its bound is dropped and the peer pulls instead", async () => {
    const c = cluster({ seed: 50, config: { pendingBufferMax: 300 } });
    const ix = await indexedInSync(c, 0);
    const a = c.get(0);
    // Slow link: each push takes a second, so requests pile up behind the first four.
    c.policy = (m) => (m.method === "pushChanges" ? { delayMs: 1_000 } : undefined);
    ix.index(1_000, 100);
    await c.run(1);
    expect(c.logs.find("push-backlog-dropped", { device: a.deviceId }).length).toBeGreaterThan(0);
    expect(a.metricsRegistry.sum("tidemark_realtime_dropped_total")).toBeGreaterThan(0);
    c.policy = undefined;
    await c.run(10_000);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    expect(
      c.get(1).metricsRegistry.sum("tidemark_pulls_total", { peer: a.deviceId }),
    ).toBeGreaterThan(1);
    c.close();
  });
});

describe("structured logs", { timeout: 60_000 }, () => {
  test("every decision is one event with device, peer, stream, state and both cursors (absent = null)", async () => {
    const c = cluster({ seed: 52 });
    const B = c.id(1);
    await indexedInSync(c, 20);
    const decisions = c.logs.find("sync-decision");
    expect(decisions.length).toBeGreaterThan(0);
    for (const e of decisions) {
      for (const field of ["device", "peer", "stream", "state", "trigger", "decision", "reason"]) {
        expect(typeof e.fields[field], field).toBe("string");
      }
      expect("localCursor" in e.fields && "remoteCursor" in e.fields).toBe(true);
      for (const v of Object.values(e.fields)) expect(typeof v).not.toBe("bigint");
    }
    const fresh = decisions.find((e) => e.fields.device === B && e.fields.decision === "pull");
    expect(fresh?.fields.localCursor).toBeNull();
    expect(typeof fresh?.fields.remoteCursor).toBe("number");
    c.close();
  });
});
