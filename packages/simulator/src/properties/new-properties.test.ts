// The properties added by issue 11 bite on targeted snapshots: the right
// writer must win (S8), a clock must be past what it received (S8), a
// cursor never passes its origin's head and an HLC never goes back (S6), a
// stream mid-pull is still judged (S9), and healing is bounded in time and
// work (S10).
import { Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { SimNode } from "../node.js";
import { Oracle } from "../oracle.js";
import type { ReplicaProbe } from "../probe/probe.js";
import type { RowVersion, Watermark } from "../probe/types.js";
import { watermarkStub } from "../probe/watermark-stub.js";
import { SIM_EPOCH_MS } from "../virtual-clock.js";
import { checkPullingStream } from "./contiguous.js";
import { hlcCausal, lastWriterWins } from "./lww.js";
import type { World } from "./property.js";
import { SafetyMonitor } from "./safety.js";
import type { NodeView } from "./view.js";
import { convergedInTime, WorkTracker } from "./work.js";

const A = "aa".repeat(16);
const B = "bb".repeat(16);
const tag = (origin: string, seq: bigint, hlc: bigint, deleted = false): RowVersion => ({
  resource: Resource.TAG,
  id: "01".repeat(16),
  origin,
  seq,
  hlc,
  deleted,
  fields: deleted ? {} : { name: `by ${origin.slice(0, 2)}`, color: "red" },
});
const wm = (
  origin: string,
  cursor: bigint | undefined,
  resource = Resource.TAG,
  pulling = false,
): Watermark => watermarkStub(origin, cursor, { resource, pulling });

function worldOf(oracle: Oracle, node: Partial<NodeView>): World {
  const view: NodeView = {
    index: 0,
    deviceId: "cc".repeat(16),
    watermarks: [],
    rows: [],
    entries: new Map(),
    gauges: { heldRealtime: 0, heldRealtimeStreamMax: 0, heldDependencies: 0, queuedOutbound: 0 },
    tree: { ok: true, links: 0 },
    hlc: 0n,
    ...node,
  };
  return {
    nodes: [view],
    oracle,
    bufferPeaks: new Map(),
    pendingBufferMax: 10,
    allOriginsLive: true,
  };
}

describe("last-writer-wins and HLC causality (S8)", () => {
  const oracle = new Oracle();
  oracle.record([
    {
      stream: { origin: A, resource: Resource.TAG },
      prevSeq: undefined,
      changes: [tag(A, 1n, 100n)],
    },
  ]);
  oracle.record([
    {
      stream: { origin: B, resource: Resource.TAG },
      prevSeq: undefined,
      changes: [tag(B, 1n, 200n)],
    },
  ]);
  const watermarks = [wm(A, 1n), wm(B, 1n)];

  test("the replica must show the winner by (hlc, origin), not merely agree", () => {
    expect(
      lastWriterWins.check(worldOf(oracle, { watermarks, rows: [tag(B, 1n, 200n)] })),
    ).toBeUndefined();
    const f = lastWriterWins.check(worldOf(oracle, { watermarks, rows: [tag(A, 1n, 100n)] }));
    expect(f?.property).toBe("last-writer-wins");
    expect(f?.detail).toContain("hlc 200");
  });

  test("a clock behind an HLC it holds fails hlc-causal", () => {
    const entries = new Map([[`${B}/5`, [tag(B, 1n, 200n)]]]);
    expect(hlcCausal.check(worldOf(oracle, { entries, hlc: 201n }))).toBeUndefined();
    // A receive leaves the clock strictly past the remote HLC (PROTOCOL §12).
    expect(hlcCausal.check(worldOf(oracle, { entries, hlc: 200n }))?.property).toBe("hlc-causal");
    expect(hlcCausal.check(worldOf(oracle, { entries, hlc: 199n }))?.property).toBe("hlc-causal");
  });
});

type FakeState = {
  watermarks: Watermark[];
  hlc: bigint;
  entries?: RowVersion[];
  /** True virtual ms, and how far the device's wall clock is ahead of it. */
  t?: number;
  lead?: number;
};

/** A live node whose probe answers the given watermarks, entries and HLC. */
function fakeNode(index: number, state: FakeState): SimNode {
  const probe = {
    watermarks: () => state.watermarks,
    entries: () => state.entries ?? [],
    hlc: () => state.hlc,
  } as unknown as ReplicaProbe;
  const clock = {
    now: () => SIM_EPOCH_MS + (state.t ?? 0) + (state.lead ?? 0),
    monotonic: () => state.t ?? 0,
  };
  return {
    index,
    deviceId: "cc".repeat(16),
    alive: true,
    generation: 1,
    clock,
    replica: { probe },
  } as unknown as SimNode;
}

const hlcAt = (ms: number) => BigInt(ms) << 16n;

describe("safety on every instant (S6)", () => {
  test("cursor-within-origin-head: a cursor past the highest seq its origin committed fails at once", async () => {
    const oracle = new Oracle();
    oracle.record([
      {
        stream: { origin: A, resource: Resource.TAG },
        prevSeq: undefined,
        changes: [tag(A, 1n, 100n)],
      },
    ]);
    const state = { watermarks: [wm(A, 1n)], hlc: 300n };
    const monitor = new SafetyMonitor(oracle);
    const node = fakeNode(0, state);
    expect((await monitor.onInstant([node]))?.property).not.toBe("cursor-within-origin-head");
    state.watermarks = [wm(A, 1_001n)];
    const f = await monitor.onInstant([node]);
    expect(f?.property).toBe("cursor-within-origin-head");
    expect(f?.detail).toContain("cursor 1001 is past the origin's head 1");
  });

  test("hlc-monotone: a device's HLC going back fails, unless it was restored from a backup", async () => {
    const monitor = new SafetyMonitor(new Oracle());
    const state = { watermarks: [] as Watermark[], hlc: 500n };
    const node = fakeNode(0, state);
    expect(await monitor.onInstant([node])).toBeUndefined();
    state.hlc = 400n;
    expect((await monitor.onInstant([node]))?.property).toBe("hlc-monotone");
    monitor.forgetHlc(0);
    state.hlc = 300n;
    expect(await monitor.onInstant([node])).toBeUndefined();
  });

  test("hlc-within-max-offset: an HLC past the max offset of any time the device could read fails", async () => {
    const monitor = new SafetyMonitor(new Oracle(), 300_000);
    const state: FakeState = { watermarks: [], hlc: hlcAt(SIM_EPOCH_MS + 300_000), t: 0 };
    const node = fakeNode(0, state);
    expect(await monitor.onInstant([node])).toBeUndefined();
    state.hlc = hlcAt(SIM_EPOCH_MS + 300_002);
    const f = await monitor.onInstant([node]);
    expect(f?.property).toBe("hlc-within-max-offset");
    expect(f?.detail).toContain("300002 ms ahead of true time");
  });

  test("hlc-within-max-offset: a clock that once ran ahead raises the limit for good", async () => {
    const monitor = new SafetyMonitor(new Oracle(), 300_000);
    const state: FakeState = { watermarks: [], hlc: 1n, t: 1_000, lead: 600_000 };
    const node = fakeNode(0, state);
    expect(await monitor.onInstant([node])).toBeUndefined();
    // The clock is fixed, but the device's own HLCs from that time stay ahead.
    state.lead = 0;
    state.t = 2_000;
    state.hlc = hlcAt(SIM_EPOCH_MS + 1_000 + 600_000);
    expect(await monitor.onInstant([node])).toBeUndefined();
  });

  test("hlc-causal at every instant: a held remote HLC at or past the clock fails at once", async () => {
    const oracle = new Oracle();
    const held = tag(B, 1n, 500n);
    const next = { ...tag(B, 2n, 502n), id: "02".repeat(16) };
    oracle.record([
      { stream: { origin: B, resource: Resource.TAG }, prevSeq: undefined, changes: [held, next] },
    ]);
    const monitor = new SafetyMonitor(oracle);
    const state: FakeState = { watermarks: [wm(B, 1n)], hlc: 501n, entries: [held] };
    const node = fakeNode(0, state);
    expect((await monitor.onInstant([node]))?.property).not.toBe("hlc-causal");
    state.hlc = 502n;
    state.entries = [held, next];
    state.watermarks = [wm(B, 2n)];
    const f = await monitor.onInstant([node]);
    expect(f?.property).toBe("hlc-causal");
    expect(f?.detail).toContain("a receive did not move the clock");
  });
});

describe("mid-pull streams are judged too (S9)", () => {
  const oracle = new Oracle();
  const row = (n: number, seq: bigint): RowVersion => ({
    ...tag(A, seq, seq),
    id: n.toString(16).padStart(32, "0"),
  });
  oracle.record([
    {
      stream: { origin: A, resource: Resource.TAG },
      prevSeq: undefined,
      changes: [row(1, 1n), row(2, 2n), row(1, 3n)],
    },
  ]);
  const view = { index: 0, deviceId: B, watermarks: [] };
  const w = wm(A, 2n, Resource.TAG, true);

  test("pages past the frozen cursor are fine; a missing row or a made-up change is not", () => {
    expect(checkPullingStream(view, w, [row(1, 3n), row(2, 2n)], oracle, [view])).toBeUndefined();
    expect(checkPullingStream(view, w, [row(1, 3n)], oracle, [view])?.detail).toContain(
      "should be held at seq 2",
    );
    expect(checkPullingStream(view, w, [row(1, 3n), row(2, 4n)], oracle, [view])?.detail).toContain(
      "never wrote",
    );
  });
});

describe("heal is bounded (S10)", () => {
  const scenario = { config: { periodicExchangeMs: 60_000 } } as never;

  test("converges-in-time: past 2 x periodic + 30 s (+ 0.5 ms a change) fails", () => {
    expect(convergedInTime(scenario, 150_000, 0)).toBeUndefined();
    expect(convergedInTime(scenario, 150_001, 0)?.property).toBe("converges-in-time");
    expect(convergedInTime(scenario, 150_001, 10)).toBeUndefined();
  });

  test("converges-in-time: time a lasting slow link was busy is added to the bound", () => {
    expect(convergedInTime(scenario, 200_000, 0, 0, 50_000)).toBeUndefined();
    expect(convergedInTime(scenario, 200_001, 0, 0, 50_000)?.detail).toContain(
      "+ 50000 ms a lasting slow link was busy",
    );
  });

  test("no-needless-work: a delete a device never had the row of is still work to move", async () => {
    const oracle = new Oracle();
    const stream = { origin: "aa".repeat(16), resource: Resource.ENTRY };
    const row = (n: number, seq: bigint, deleted: boolean) => ({
      resource: Resource.ENTRY,
      id: n.toString(16).padStart(32, "0"),
      origin: stream.origin,
      seq,
      hlc: undefined,
      deleted,
      fields: {},
    });
    oracle.record([
      { stream, prevSeq: undefined, changes: [row(1, 1n, false), row(2, 2n, false)] },
      { stream, prevSeq: 2n, changes: [row(2, 3n, true), row(3, 4n, true)] },
    ]);
    const work = new WorkTracker(oracle, 2);
    // A device that holds nothing of the stream: row 1 live, rows 2 and 3 deleted.
    await work.start([{ replica: { probe: { entries: () => [] } } }] as never);
    expect(work.counter.missing).toBe(3);
  });

  test("no-needless-work: far more changes sent than were missing or written fails", () => {
    const work = new WorkTracker(new Oracle(), 3);
    const send = (n: number) =>
      work.observe({
        from: 0,
        to: 1,
        rpc: "Backfill",
        part: "page",
        call: 1,
        bytes: 10,
        message: () => ({ changes: new Array(n).fill(0) }),
      });
    send(400); // not counting yet: healing has not begun
    return work.start([]).then(() => {
      send(500);
      expect(work.check()).toBeUndefined();
      send(1);
      expect(work.check()?.property).toBe("no-needless-work");
    });
  });
});
