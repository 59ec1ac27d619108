// The properties bite: on a converged two-device world each holds; after a
// targeted change to one replica's snapshot (or real damage to its image
// through the adapter) the property named after that damage fails and
// names the device pair. The oracle is checked on its own.
import { fingerprintOf, idFromHex, streamKeyString } from "@tidemark/engine";
import { Resource } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { planLoseRows } from "../faults/corruption.js";
import { Oracle } from "../oracle.js";
import type { RowVersion } from "../probe/types.js";
import type { Scenario } from "../scenario.js";
import { engine } from "../test-support.js";
import { deleteSubtrees } from "../workloads/delete-subtree.js";
import { indexTree } from "../workloads/index-tree.js";
import { tagEdits } from "../workloads/shared-edits.js";
import { SimWorld } from "../world.js";
import { closureConsistent } from "./closure.js";
import { cursorsContiguous } from "./contiguous.js";
import { identicalState } from "./identical-state.js";
import { checkProperties, type NodeView, snapshotNode, type World } from "./index.js";
import { noResurrectedDeletes } from "./no-resurrection.js";
import { settleOwnCommits } from "./safety.js";
import { streamsAgree } from "./streams.js";

const scenario: Scenario = {
  name: "unit",
  seed: 5,
  devices: 2,
  chaosMs: 0,
  healMs: 0,
  weather: "calm",
  steps: [],
};

async function convergedWorld(): Promise<SimWorld> {
  const world = new SimWorld(scenario, {
    adapter: await engine(),
    keepTrace: false,
    keepLogs: false,
  });
  await world.startNode(0);
  await world.startNode(1);
  await indexTree(world.workContext(0, 0), { entries: 60, batch: 30 });
  await world.sched.run({ until: 2_000 });
  await tagEdits(world.workContext(1, 1), { count: 6 });
  await deleteSubtrees(world.workContext(0, 2), { count: 1 });
  await world.sched.run({ until: 70_000 });
  return world;
}

async function viewOf(world: SimWorld): Promise<World> {
  // Own commits reach the oracle at their final seqs once confirmed (§3.7).
  await settleOwnCommits(world.oracle, world.liveMembers());
  const nodes: NodeView[] = [];
  for (const n of world.liveMembers())
    nodes.push(await snapshotNode(n.index, n.deviceId, n.replica?.probe as never));
  return {
    nodes,
    oracle: world.oracle,
    bufferPeaks: new Map(),
    pendingBufferMax: 10_000,
    allOriginsLive: true,
  };
}

/** The world with d1's snapshot replaced by `edit(d1)`. */
function withD1(view: World, edit: (d1: NodeView) => NodeView): World {
  return { ...view, nodes: view.nodes.map((n) => (n.index === 1 ? edit(n) : n)) };
}

describe("properties", () => {
  test("hold on a converged world and fail, naming the property, on targeted damage", async () => {
    const world = await convergedWorld();
    try {
      const view = await viewOf(world);
      expect(checkProperties(view)).toBeUndefined();
      const entryKey = streamKeyString({
        origin: world.node(0).deviceId,
        resource: Resource.ENTRY,
      });

      // The replica's own tree check fails.
      const badTree = withD1(view, (d) => ({ ...d, tree: { ok: false, detail: "link missing" } }));
      expect(closureConsistent.check(badTree)?.property).toBe("closure-consistent");

      // A row's content differs on d1 only.
      const tampered = withD1(view, (d) => ({
        ...d,
        rows: d.rows.map((r, i) =>
          i === 3 ? { ...r, fields: { ...r.fields, name: "tampered" } } : r,
        ),
      }));
      const diff = identicalState.check(tampered);
      expect(diff?.property).toBe("identical-state");
      expect(diff?.devices).toEqual([0, 1]);

      // A row d0 deleted is live again on d1.
      const dead = view.nodes[1]?.entries.get(entryKey)?.find((r) => r.deleted);
      expect(dead).toBeDefined();
      const revived = withD1(view, (d) => ({
        ...d,
        rows: [...d.rows, { ...(dead as RowVersion), deleted: false, fields: { name: "x" } }],
      }));
      expect(noResurrectedDeletes.check(revived)?.property).toBe("no-resurrected-deletes");

      // A live entry vanishes while the cursor still claims it.
      const lost = withD1(view, (d) => {
        const entries = new Map(d.entries);
        const list = entries.get(entryKey) ?? [];
        const k = list.findIndex((r) => !r.deleted);
        entries.set(entryKey, [...list.slice(0, k), ...list.slice(k + 1)]);
        return { ...d, entries };
      });
      expect(cursorsContiguous.check(lost)?.property).toBe("cursors-contiguous");
      // The replica's own watermarks still agree: only the oracle check catches it.
      expect(streamsAgree.check(lost)).toBeUndefined();
    } finally {
      for (const n of world.nodes) n.dispose();
    }
  }, 60_000);

  test("rows lost from a replica's image through the adapter break the cursor invariant until repaired", async () => {
    const world = await convergedWorld();
    try {
      const d1 = world.node(1);
      const probe = d1.replica?.probe;
      if (probe === undefined) throw new Error("d1 down");
      const plan = await planLoseRows(probe, d1.deviceId, 3, world.rng.fork("t"));
      d1.crash();
      const r = await world.adapter.corrupt(d1.diskImage as Uint8Array, plan.damage);
      expect(r.changed).toBe(3);
      d1.replaceDisk(r.image);
      await world.startNode(1);
      const f = cursorsContiguous.check(await viewOf(world));
      expect(f?.property).toBe("cursors-contiguous");
      expect(f?.devices).toEqual([0, 1]);
    } finally {
      for (const n of world.nodes) n.dispose();
    }
  }, 60_000);
});

describe("oracle", () => {
  const row = (id: number, seq: bigint, deleted = false): RowVersion => ({
    resource: Resource.TAG,
    id: id.toString(16).padStart(32, "0"),
    origin: "aa".repeat(16),
    seq,
    hlc: seq,
    deleted,
    fields: deleted ? {} : { name: `v${seq}` },
  });
  const stream = { origin: "aa".repeat(16), resource: Resource.TAG };
  const key = streamKeyString(stream);

  test("expected rows are each row's latest version at or below a cursor; summaries match a fingerprint from scratch", () => {
    const oracle = new Oracle();
    oracle.record([
      {
        stream,
        prevSeq: undefined,
        changes: [row(1, 1n), row(2, 2n), row(1, 3n), row(2, 4n, true)],
      },
    ]);
    const at = (c: bigint | undefined) =>
      [...oracle.expectedRows(key, c).values()]
        .map((x) => `${x.id.slice(-2)}@${x.seq}${x.deleted ? "x" : ""}`)
        .sort();
    expect(at(undefined)).toEqual([]);
    expect(at(2n)).toEqual(["01@1", "02@2"]);
    expect(at(3n)).toEqual(["01@3", "02@2"]);
    expect(at(4n)).toEqual(["01@3", "02@4x"]);
    for (const c of [1n, 2n, 3n, 4n, 9n]) {
      const live = [...oracle.expectedRows(key, c).values()].filter((x) => !x.deleted);
      const fp = Buffer.from(
        fingerprintOf(live.map((x) => ({ id: idFromHex(x.id), seq: x.seq }))),
      ).toString("hex");
      expect(oracle.expectedSummary(key, c)).toEqual({ fp, count: live.length });
    }
  });

  test("a seq committed twice with different content is recorded as a reuse, never overwritten (S3)", () => {
    const oracle = new Oracle();
    oracle.record([{ stream, prevSeq: undefined, changes: [row(1, 1n), row(2, 2n)] }]);
    // A peer applied through seq 2: the first change at seq 2 was seen.
    oracle.noteHeld(key, 2n);
    oracle.record([{ stream, prevSeq: 1n, changes: [row(3, 2n)] }]);
    expect(oracle.reuses).toHaveLength(1);
    expect(oracle.reuses[0]?.seq).toBe(2n);
    expect(oracle.expectedRows(key, 2n).has(row(2, 2n).id)).toBe(true);
    // The same change recorded again (a re-ingest) is not a reuse.
    oracle.record([{ stream, prevSeq: undefined, changes: [row(1, 1n)] }]);
    expect(oracle.reuses).toHaveLength(1);
  });

  test("a seq handed out again after no replica held its first change is no reuse; the second takes its place (§3.7)", () => {
    const oracle = new Oracle();
    oracle.record([{ stream, prevSeq: undefined, changes: [row(1, 1n), row(2, 2n), row(3, 3n)] }]);
    // A peer holds seq 1 only, and seq 3 held back for a parent: seq 2 was never seen.
    oracle.noteHeld(key, 1n, [1n, 3n]);
    oracle.record([{ stream, prevSeq: 1n, changes: [row(4, 2n)] }]);
    expect(oracle.reuses).toEqual([]);
    expect(oracle.unseenReuses.map((r) => r.seq)).toEqual([2n]);
    const at2 = [...oracle.expectedRows(key, 2n).keys()].sort();
    expect(at2).toEqual([row(1, 1n).id, row(4, 2n).id].sort());
    const live = [row(1, 1n), row(4, 2n), row(3, 3n)];
    const fp = Buffer.from(
      fingerprintOf(live.map((x) => ({ id: idFromHex(x.id), seq: x.seq }))),
    ).toString("hex");
    expect(oracle.expectedSummary(key, 3n)).toEqual({ fp, count: 3 });
    // Seq 3, held back by the peer, is still a reuse when handed out again.
    oracle.record([{ stream, prevSeq: 2n, changes: [row(5, 3n)] }]);
    expect(oracle.reuses.map((r) => r.seq)).toEqual([3n]);
  });
});
