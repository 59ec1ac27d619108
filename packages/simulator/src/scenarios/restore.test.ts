// Restores that leave a device behind what its peer holds: of its own
// streams (pulled back, PROTOCOL §3.7) and of a peer's stream whose
// tombstones were pruned meanwhile (full resync, §4.2 row 5). Each
// converges with every property holding, and really takes that path.
import { describe, expect, test } from "vitest";
import type { RunResult } from "../simulation.js";
import { runNamed } from "../test-support.js";

const sent = (r: RunResult, from: number, rpc: string) =>
  r.world.trace
    .records()
    .filter((x) => x.k === "send" && x.from === from && x.rpc === rpc && x.part === "req");

describe("restores behind a peer", () => {
  test("restore-behind-peer: an origin restored to before its first write pulls its streams back", async () => {
    const r = await runNamed("restore-behind-peer");
    const restored = r.world.trace
      .records()
      .find((x) => x.k === "fault" && x.op === "restore-stale-backup");
    expect(restored?.from).toBe(5);
    // d1 writes nothing: whatever d0 pulls from it is d0's own.
    expect(sent(r, 0, "Backfill").length).toBeGreaterThan(0);
    expect(r.world.oracle.reuses).toEqual([]);
  }, 120_000);

  test("restore-below-horizon: a device restored below a pruned horizon resyncs without resurrecting deletes", async () => {
    const r = await runNamed("restore-below-horizon");
    expect(
      r.world.trace.records().some((x) => x.k === "fault" && x.op === "restore-stale-backup"),
    ).toBe(true);
    // Only the full resync reconciles: the two replicas never differ at equal cursors.
    expect(sent(r, 1, "Reconcile").length).toBeGreaterThan(0);
  }, 120_000);

  test("restore-before-shared-delete (bug 16): a full resync forgets shared rows whose deletes were pruned", async () => {
    // Unfixed (shared rows kept by a full resync): no-resurrected-deletes, a
    // tag or tag assignment of d0's live on d1 though its delete is covered.
    const r = await runNamed("restore-before-shared-delete");
    expect(
      r.world.trace.records().some((x) => x.k === "fault" && x.op === "restore-stale-backup"),
    ).toBe(true);
    expect(sent(r, 1, "Reconcile").length).toBeGreaterThan(0);
    // d0 deleted shared rows the backup held live.
    const deleted = [...r.world.oracle.streams]
      .filter(([key]) => key.endsWith("/5") || key.endsWith("/7"))
      .flatMap(([, m]) => [...m.values()])
      .filter((c) => c.deleted);
    expect(deleted.length).toBeGreaterThan(0);
  }, 120_000);
});
