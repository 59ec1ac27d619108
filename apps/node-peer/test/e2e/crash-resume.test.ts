// SIGKILL in the middle of a backfill, restart, resume from stored cursors:
// no full re-backfill, no lost or duplicated rows; a restart with an
// existing DB resumes as Ready.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import { waitFor } from "../../src/demo/processes.js";
import { Cluster, entryRows } from "./cluster.js";

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
}, 30_000);

describe("crash and resume", () => {
  test("SIGKILL during backfill, restart: resumes from stored cursors, no lost or duplicated rows", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const c = await cluster.add("C");
    const files = 3000;
    const tree = cluster.tree("a", files);
    // A alone indexes everything; C then backfills it in small, slowed pages.
    await a.start(["--throttle-ms", "40"]);
    const indexed = await a.admin.index({ path: tree });
    await c.start(["--page-changes", "50"]);
    await c.addPeer(a);
    await a.addPeer(c);
    const held = await waitFor(
      "C to hold part of the backfill",
      async () => {
        const rows = entryRows(await c.admin.status({ probe: false }), a.deviceId);
        return rows >= indexed.entries * 0.5 ? rows : undefined;
      },
      60_000,
      50,
    );
    await c.kill();
    expect(held).toBeLessThan(indexed.entries);

    await c.start(["--page-changes", "50"]);
    const [ra, rc] = await cluster.converged(90_000);
    if (ra === undefined || rc === undefined) throw new Error("no reports");
    // No lost and no duplicated rows: same count and same fingerprint as the origin.
    expect(entryRows(rc, a.deviceId)).toBe(indexed.entries);
    const fp = (r: typeof ra) =>
      r.streams.find((s) => s.origin === a.deviceId && s.resource === "entry")?.fingerprint;
    expect(fp(rc)).toBe(fp(ra));
    const resumedBytes = rc.wire.bytesIn;
    // After the restart C received only what it lacked: at most one page (50)
    // more than the entries it had not stored, plus the few non-entry rows.
    const recordsIn = Object.entries(rc.metrics)
      .filter(([k]) => k.startsWith("tidemark_records_in_total"))
      .reduce((n, [, v]) => n + v, 0);
    expect(recordsIn).toBeGreaterThan(0);
    expect(recordsIn).toBeLessThanOrEqual(indexed.entries - held + 50 + 10);

    // A fresh device doing the full backfill is the yardstick for "no full re-backfill".
    const d = await cluster.add("D");
    await d.start(["--page-changes", "50"]);
    await d.addPeer(a);
    await a.addPeer(d);
    const [, rd] = await cluster.converged(90_000, [a, d]);
    const fullBytes = rd?.wire.bytesIn ?? 0;
    const heldFraction = held / indexed.entries;
    expect(resumedBytes).toBeLessThan(fullBytes * (1 - heldFraction / 2));
  }, 180_000);

  test("a peer restarted with an existing DB resumes as Ready, without a backfill", async () => {
    cluster = new Cluster();
    const a = await cluster.add("A");
    const b = await cluster.add("B");
    const tree = cluster.tree("a", 800);
    await cluster.startMesh();
    await a.admin.index({ path: tree });
    await cluster.converged();
    await b.stop();
    const logBefore = readFileSync(b.logFile, "utf8").length;

    await b.start();
    const peerOfB = await cluster.explained(
      waitFor(
        "B to see A",
        async () => {
          const s = await b.admin.status({ probe: false });
          const p = s.peers.find((x) => x.deviceId === a.deviceId);
          return p?.lastExchangeAt !== null && p?.lastExchangeAt !== undefined
            ? { s, p }
            : undefined;
        },
        30_000,
      ),
    );
    expect(peerOfB.p.state).toBe("ready");
    const [, rb] = await cluster.converged();
    // Only watermarks crossed the wire, not the 800 entries again.
    expect(rb?.wire.bytesIn ?? Number.POSITIVE_INFINITY).toBeLessThan(20_000);
    const after = readFileSync(b.logFile, "utf8").slice(logBefore);
    const states = after
      .split("\n")
      .filter((l) => l.includes('"state"'))
      .map((l) => (JSON.parse(l) as { state?: string }).state);
    expect(states).not.toContain("backfilling");
  }, 120_000);
});
