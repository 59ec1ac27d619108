// The properties bite: on a converged two-device world each holds; after a
// targeted corruption of one replica's SQLite, the property named after
// that damage fails and names the device pair.

import { create } from "@bufbuild/protobuf";
import { ChangeSchema, TagSchema, TombstoneSchema } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { Oracle } from "../oracle.js";
import type { Scenario } from "../scenario.js";
import { engine } from "../test-support.js";
import { deleteSubtrees } from "../workloads/delete-subtree.js";
import { indexTree } from "../workloads/index-tree.js";
import { tagEdits } from "../workloads/shared-edits.js";
import { SimWorld } from "../world.js";
import { closureConsistent } from "./closure.js";
import { cursorsContiguous } from "./contiguous.js";
import { identicalState } from "./identical-state.js";
import { checkProperties, type World } from "./index.js";
import { noResurrectedDeletes } from "./no-resurrection.js";
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

async function convergedWorld(): Promise<{ world: SimWorld; view: World }> {
  const world = new SimWorld(scenario, {
    openReplica: await engine(),
    keepTrace: false,
    keepLogs: false,
  });
  await world.startNode(0);
  await world.startNode(1);
  indexTree(world.workContext(0, 0), { entries: 60, batch: 30 });
  await world.sched.run({ until: 2_000 });
  tagEdits(world.workContext(1, 1), { count: 6 });
  deleteSubtrees(world.workContext(0, 2), { count: 1 });
  await world.sched.run({ until: 70_000 });
  const view: World = {
    nodes: world.liveMembers(),
    oracle: world.oracle,
    bufferPeaks: new Map(),
    pendingBufferMax: 10_000,
    allOriginsLive: true,
  };
  return { world, view };
}

function dbOf(world: SimWorld, i: number) {
  const db = world.node(i).db;
  if (db === undefined) throw new Error("no db");
  return db;
}

describe("properties", () => {
  test("hold on a converged world and fail, naming the property, on targeted damage", async () => {
    const { world, view } = await convergedWorld();
    try {
      expect(checkProperties(view)).toBeUndefined();
      const db1 = dbOf(world, 1);

      // A closure row removed behind the engine's back.
      const link = db1
        .prepare("SELECT ancestor, descendant FROM entry_closure WHERE depth = 1 LIMIT 1")
        .raw()
        .get() as [number, number];
      db1
        .prepare("DELETE FROM entry_closure WHERE ancestor = ? AND descendant = ?")
        .run(link[0], link[1]);
      expect(closureConsistent.check(view)?.property).toBe("closure-consistent");
      db1
        .prepare("INSERT INTO entry_closure (ancestor, descendant, depth) VALUES (?, ?, 1)")
        .run(link[0], link[1]);
      expect(closureConsistent.check(view)).toBeUndefined();

      // A row's content changed on d1 only.
      const row = db1
        .prepare("SELECT id, name FROM entry WHERE deleted = 0 AND parent_id IS NOT NULL LIMIT 1")
        .get() as { id: Buffer; name: string };
      db1.prepare("UPDATE entry SET name = 'tampered' WHERE id = ?").run(row.id);
      const diff = identicalState.check(view);
      expect(diff?.property).toBe("identical-state");
      expect(diff?.devices).toEqual([0, 1]);
      db1.prepare("UPDATE entry SET name = ? WHERE id = ?").run(row.name, row.id);

      // A row d0 deleted comes back to life on d1.
      const dead = db1.prepare("SELECT id FROM entry WHERE deleted = 1 LIMIT 1").pluck().get() as
        | Buffer
        | undefined;
      expect(dead).toBeDefined();
      db1.prepare("UPDATE entry SET deleted = 0 WHERE id = ?").run(dead);
      expect(noResurrectedDeletes.check(view)?.property).toBe("no-resurrected-deletes");
      db1.prepare("UPDATE entry SET deleted = 1 WHERE id = ?").run(dead);

      // A live row vanishes while the cursor still claims it.
      const live = db1
        .prepare("SELECT lid, id FROM entry WHERE deleted = 0 AND kind = 1 LIMIT 1")
        .get() as { lid: number; id: Buffer };
      db1.prepare("DELETE FROM entry_closure WHERE descendant = ?").run(live.lid);
      db1.prepare("DELETE FROM entry WHERE id = ?").run(live.id);
      expect(cursorsContiguous.check(view)?.property).toBe("cursors-contiguous");
      // The engine's own status still agrees (its counters did not see it): only the oracle check catches it.
      expect(streamsAgree.check(view)).toBeUndefined();
    } finally {
      for (const n of world.nodes) n.dispose();
    }
  }, 60_000);

  test("the oracle's expected rows are each row's latest version at or below a cursor", () => {
    const oracle = new Oracle();
    const change = (row: number, seq: bigint, tomb = false) =>
      create(ChangeSchema, {
        rowId: new Uint8Array(16).fill(row),
        seq,
        body: tomb
          ? { case: "tombstone", value: create(TombstoneSchema) }
          : { case: "tag", value: create(TagSchema, { name: `v${seq}` }) },
      });
    oracle.record([
      {
        stream: { origin: "aa", resource: 5 },
        prevSeq: undefined,
        changes: [change(1, 1n), change(2, 2n), change(1, 3n), change(2, 4n, true)],
      },
    ]);
    const at = (c: bigint | undefined) =>
      [...oracle.expectedRows("aa/5", c).values()]
        .map((x) => `${x.row.slice(0, 2)}@${x.seq}${x.deleted ? "x" : ""}`)
        .sort();
    expect(at(undefined)).toEqual([]);
    expect(at(2n)).toEqual(["01@1", "02@2"]);
    expect(at(3n)).toEqual(["01@3", "02@2"]);
    expect(at(4n)).toEqual(["01@3", "02@4x"]);
  });
});
