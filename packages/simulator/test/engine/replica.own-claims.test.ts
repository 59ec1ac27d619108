// A claim on our own stream is not a row (PROTOCOL §3.7): while own commits
// wait after a restart, a peer claiming far more of our stream than it can
// serve must not renumber our unconfirmed changes to its claim.
import type { ServiceImpl } from "@connectrpc/connect";
import { Resource, type SyncService } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster } from "./setup.js";

type Service = ServiceImpl<typeof SyncService>;
const FORGED = 876_012_485_598_209_408n;

describe("claims on our own streams", { timeout: 60_000 }, () => {
  test("unbacked-own-stream-claim-moves-no-own-seqs: only served rows renumber unconfirmed changes", async () => {
    const c = cluster({ seed: 83 });
    const A = c.id(0);
    await c.open(0);
    await c.open(1);
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(20);
    c.connectAll();
    await c.settle();
    const entries = { origin: A, resource: Resource.ENTRY };
    // A restarts and writes more (held); B now claims A's entry stream far
    // beyond anything A wrote, and cannot serve it. Only A calls (B's own
    // honest watermarks would confirm A before it sees the claim).
    c.crash(0);
    c.intercept(1, (s: Service) => ({
      ...s,
      exchangeWatermarks: async (...args: Parameters<Service["exchangeWatermarks"]>) => {
        const res = await s.exchangeWatermarks(...args);
        for (const wm of res.watermarks ?? []) {
          const origin = Buffer.from(wm.stream?.origin ?? []).toString("hex");
          if (wm.stream?.resource === Resource.ENTRY && origin === A) wm.cursor = FORGED;
        }
        return res;
      },
      backfill: () => {
        throw new Error("buggy peer: cannot serve what it claims");
      },
    }));
    const a = await c.open(0);
    const more = new TreeIndexer(c, 0);
    more.init("after-restart");
    more.index(5);
    const written = a.store.streamState(entries)?.headSeq as bigint;
    c.setLink(0, 1, true);
    a.peerConnected(c.id(1));
    await c.run(20_000);
    const st = a.store.streamState(entries);
    expect(a.metricsRegistry.sum("tidemark_origin_rewinds_total")).toBeGreaterThan(0);
    expect(st?.headSeq).toBe(written);
    expect(a.status().own.unconfirmedSeqs).toBeLessThan(2n ** 32n);
    // B is fixed: the claim goes, A confirms, and both converge.
    c.intercept(1, undefined);
    c.connectAll();
    // A's own streams go out at its next exchange with B (it backs off from B).
    await c.run(300_000);
    await c.settle();
    expect(a.status().own.confirmed).toBe(true);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });
});
