// Real processes, real ports: peers converge after concurrent indexing.
import { afterEach, describe, expect, test } from "vitest";
import { Cluster, entryRows } from "./cluster.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
}, 30_000);

describe("peers over HTTP/2", () => {
  test("two peers indexing concurrently converge to identical streams", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const b = await cluster.add("B");
    const ta = cluster.tree("a", 600);
    const tb = cluster.tree("b", 500);
    await cluster.startMesh();
    const [ra, rb] = await Promise.all([a.admin.index({ path: ta }), b.admin.index({ path: tb })]);
    const reports = await cluster.converged();
    for (const r of reports) {
      expect(entryRows(r, a.deviceId)).toBe(ra.entries);
      expect(entryRows(r, b.deviceId)).toBe(rb.entries);
    }
    const v = await a.admin.verify({ peer: b.deviceId });
    expect(v.converged).toBe(true);
  }, 90_000);

  test("three peers converge, shared tag edits included", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const b = await cluster.add("B");
    await cluster.add("C");
    const ta = cluster.tree("a", 400);
    const tb = cluster.tree("b", 400);
    await cluster.startMesh();
    await Promise.all([a.admin.index({ path: ta }), b.admin.index({ path: tb })]);
    await cluster.converged();
    const found = await a.admin.find({ pattern: "file-0-*", limit: 4 });
    const targets = found.matches.map((e) => e.id);
    expect(new Set(found.matches.map((e) => e.device)).size).toBe(2);
    await a.admin.tag({ name: "red", entries: targets, color: "#f00" });
    // B untags once it holds A's tag (untag refuses an assignment it does not know).
    await cluster.converged();
    await b.admin.tag({ name: "red", entries: targets.slice(0, 1), remove: true });
    const reports = await cluster.converged();
    const rows = reports.map((r) => r.liveRows);
    expect(new Set(rows).size).toBe(1);
    for (const r of reports) {
      expect(r.streams.some((s) => s.resource === "tag_assignment")).toBe(true);
    }
  }, 120_000);
});
