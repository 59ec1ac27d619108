// The properties added to close mutation-score gaps bite on targeted
// replicas: a replica that commits a folder under its own subfolder, a
// free origin's stream stalled behind a held one, a dependency buffer
// past its bound.
import { EntryKind, HLC_COUNTER_BITS, Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { SimNode } from "../node.js";
import { Oracle } from "../oracle.js";
import type { ReplicaProbe } from "../probe/probe.js";
import type { CommitResult, RowVersion, Watermark } from "../probe/types.js";
import { watermarkStub } from "../probe/watermark-stub.js";
import { SIM_EPOCH_MS } from "../virtual-clock.js";
import { buffersBounded } from "./buffers.js";
import { cyclicMovesRefused } from "./cyclic-moves.js";
import { freeOrigins, heldStreamsIsolated } from "./held-isolation.js";
import type { World } from "./property.js";

const A = "aa".repeat(16);
const B = "bb".repeat(16);
const id = (n: number) => n.toString(16).padStart(32, "0");
const dir = (n: number, parent: number | undefined): RowVersion => ({
  resource: Resource.ENTRY,
  id: id(n),
  origin: A,
  seq: BigInt(n),
  hlc: 1n,
  deleted: false,
  fields: {
    kind: String(EntryKind.DIRECTORY),
    name: `d${n}`,
    ...(parent === undefined ? {} : { parentId: id(parent) }),
  },
});

/** A replica of A holding the chain 1 <- 2 <- 3 <- 4 that answers commits with `answer`. */
function chainNode(answer: () => CommitResult): SimNode {
  let rows = [dir(1, undefined), dir(2, 1), dir(3, 2), dir(4, 3)];
  const probe = {
    rows: async () => rows,
    treeCheck: async () => ({ ok: true, links: rows.length }),
    commit: async (writes: readonly { id: string; fields?: Record<string, string> }[]) => {
      const r = answer();
      if (r.kind === "committed")
        rows = rows.map((x) => {
          const w = writes.find((y) => y.id === x.id);
          return w?.fields === undefined ? x : { ...x, fields: w.fields };
        });
      return r;
    },
  } as unknown as ReplicaProbe;
  return { index: 0, deviceId: A, replica: { probe } } as unknown as SimNode;
}

describe("cyclic-move-refused", () => {
  test("a replica that commits a directory under its own descendant fails", async () => {
    const f = await cyclicMovesRefused([chainNode(() => ({ kind: "committed", batches: [] }))]);
    expect(f?.property).toBe("cyclic-move-refused");
    expect(f?.detail).toContain(`directory ${id(2)} moved under its descendant ${id(4)}`);
  });

  test("a refusal, answered or thrown, passes", async () => {
    expect(
      await cyclicMovesRefused([chainNode(() => ({ kind: "refused", reason: "cycle" }))]),
    ).toBe(undefined);
    const thrower = chainNode(() => {
      throw new Error("move would make a row its own ancestor");
    });
    expect(await cyclicMovesRefused([thrower])).toBe(undefined);
  });
});

describe("held-stream-isolated", () => {
  const tagAt = (origin: string, ms: number): RowVersion => ({
    resource: Resource.TAG,
    id: id(9),
    origin,
    seq: 1n,
    hlc: BigInt(SIM_EPOCH_MS + ms) << BigInt(HLC_COUNTER_BITS),
    deleted: false,
    fields: { name: "t", color: "red" },
  });
  const wm = (origin: string, cursor: bigint | undefined): Watermark =>
    watermarkStub(origin, cursor, { resource: Resource.TAG });

  test("an origin with a change past the max offset is held; the others are free", () => {
    const oracle = new Oracle();
    oracle.record([
      {
        stream: { origin: A, resource: Resource.TAG },
        prevSeq: undefined,
        changes: [tagAt(A, 1_000)],
      },
    ]);
    oracle.record([
      {
        stream: { origin: B, resource: Resource.TAG },
        prevSeq: undefined,
        changes: [tagAt(B, 900_000)],
      },
    ]);
    expect([...freeOrigins(oracle, 300_000, 100_000)]).toEqual([A]);
    expect([...freeOrigins(oracle, 300_000, 600_000)].sort()).toEqual([A, B]);
  });

  test("a free origin's stream behind its head fails; a held origin's may wait", () => {
    const views = [
      { index: 0, deviceId: A, watermarks: [wm(A, 1n), wm(B, undefined)] },
      { index: 1, deviceId: B, watermarks: [wm(A, 1n), wm(B, 1n)] },
      { index: 2, deviceId: "cc".repeat(16), watermarks: [wm(A, undefined), wm(B, undefined)] },
    ];
    const f = heldStreamsIsolated(views, new Set([A]), 150_000);
    expect(f?.property).toBe("held-stream-isolated");
    expect(f?.detail).toContain(`stream ${A}/`);
    expect(heldStreamsIsolated(views.slice(0, 2), new Set([A]), 150_000)).toBe(undefined);
  });
});

test("buffers-bounded: changes held for a missing parent past the configured bound fail", () => {
  const world = (peak: number): World => ({
    nodes: [],
    oracle: new Oracle(),
    bufferPeaks: new Map([["heldDependencies", peak]]),
    pendingBufferMax: 10,
    dependencyBufferMax: 80,
    allOriginsLive: true,
  });
  expect(buffersBounded.check(world(80))).toBe(undefined);
  expect(buffersBounded.check(world(81))?.detail).toContain("peaked at 81 > bound 80");
});

describe("buffers-bounded: the dependency buffer's other bounds and its gauges", () => {
  const world = (peaks: [string, number][]): World => ({
    nodes: [],
    oracle: new Oracle(),
    bufferPeaks: new Map(peaks),
    pendingBufferMax: 10,
    dependencyBufferMax: 80,
    dependencyBounds: {
      dependencyRowsPerOrigin: 6,
      dependencyBytesPerOrigin: 900,
      dependencyBytes: 1_000,
    },
    allOriginsLive: true,
  });
  test("peaks at their bounds pass", () => {
    const at = world([
      ["heldDependencyOriginRows", 6],
      ["heldDependencyOriginBytes", 900],
      ["heldDependencyBytes", 1_000],
      ["dependencyGaugeDrift", 0],
    ]);
    expect(buffersBounded.check(at)).toBe(undefined);
  });
  test("one origin past its rows or bytes, or all origins past the bytes, fail", () => {
    const detail = (k: string, v: number) => buffersBounded.check(world([[k, v]]))?.detail;
    expect(detail("heldDependencyOriginRows", 7)).toContain("one origin held");
    expect(detail("heldDependencyOriginBytes", 901)).toContain("peaked at 901 > bound 900");
    expect(detail("heldDependencyBytes", 1_001)).toContain("peaked at 1001 > bound 1000");
  });
  test("exported gauges that drift from what is held fail, a gauge that is not a number too", () => {
    const f = buffersBounded.check(world([["dependencyGaugeDrift", 3]]));
    expect(f?.detail).toContain("tidemark_dependency_buffer_rows/bytes");
    const nan = buffersBounded.check(world([["dependencyGaugeDrift", Number.POSITIVE_INFINITY]]));
    expect(nan?.property).toBe("buffers-bounded");
  });
});
