// Answers from peers are validated before they are applied: an invalid
// answer fails the attempt (typed, logged with its reason, counted, backoff)
// and nothing of it reaches the store (moved from
// packages/engine/src/sync/check-response.test.ts; the faulty peer is an
// intercept of its handlers).
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type BackfillResponse,
  type ExchangeWatermarksResponse,
  type ReconcileResponse,
  Resource,
  type SyncService,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { TestCluster } from "../../src/harness/cluster.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster, indexedInSync } from "./setup.js";

type Service = ServiceImpl<typeof SyncService>;

function invalidCount(c: TestCluster, rpc: string, reason: string): number {
  const values = c.get(1).metrics().values;
  return Object.entries(values)
    .filter(
      ([k]) =>
        k.startsWith("tidemark_invalid_responses_total{") &&
        k.includes(`rpc="${rpc}"`) &&
        k.includes(`reason="${reason}"`),
    )
    .reduce((sum, [, v]) => sum + v, 0);
}

describe("invalid peer responses", { timeout: 60_000 }, () => {
  test("a backfill page with out-of-order seqs is refused, logged with its reason, counted, never applied, and the peer backs off", async () => {
    const c = cluster({ seed: 71 });
    const [A, B] = [c.id(0), c.id(1)];
    await c.open(0);
    const b = await c.open(1);
    new TreeIndexer(c, 0).init();
    c.intercept(
      0,
      (honest: Service) =>
        ({
          ...honest,
          async *backfill(req, hctx) {
            for await (const page of honest.backfill(
              req,
              hctx,
            ) as AsyncIterable<BackfillResponse>) {
              const first = page.changes[0];
              // Repeat the first change: its seq is no longer strictly ascending.
              yield first === undefined ? page : { ...page, changes: [first, ...page.changes] };
            }
          },
        }) satisfies Service,
    );
    c.connectAll();
    await c.run(500);
    expect(invalidCount(c, "backfill", "SEQ_OUT_OF_ORDER")).toBeGreaterThan(0);
    const logged = c.logs.find("invalid-response", { device: B, peer: A, rpc: "backfill" });
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]?.fields.reason).toBe("SEQ_OUT_OF_ORDER");
    expect(c.logs.find("backoff", { device: B }).length).toBeGreaterThan(0);
    // Nothing of A's streams was applied on B.
    const fromA = b.status().streams.filter((s) => s.stream.origin === A);
    expect(fromA.filter((s) => s.cursor !== undefined || s.liveCount > 0n)).toEqual([]);
    // The honest answer afterwards converges.
    c.intercept(0, undefined);
    await c.run(120_000);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("an exchange answer with a malformed watermark fails the exchange with its reason and backs off", async () => {
    const c = cluster({ seed: 72 });
    const [A, B] = [c.id(0), c.id(1)];
    await c.open(0);
    const b = await c.open(1);
    new TreeIndexer(c, 0).init();
    c.intercept(
      0,
      (honest: Service) =>
        ({
          ...honest,
          async exchangeWatermarks(req, hctx) {
            const res = (await honest.exchangeWatermarks(req, hctx)) as ExchangeWatermarksResponse;
            return {
              ...res,
              watermarks: res.watermarks.map((w) => ({ ...w, fingerprint: new Uint8Array(3) })),
            };
          },
        }) satisfies Service,
    );
    c.connectAll();
    await c.run(500);
    expect(invalidCount(c, "exchange", "MALFORMED")).toBeGreaterThan(0);
    const logged = c.logs.find("invalid-response", { device: B, peer: A, rpc: "exchange" });
    expect(logged.length).toBeGreaterThan(0);
    expect(b.status().peers[0]?.state).toBe("backoff");
    c.close();
  });

  test("a reconcile answer that leaves a wanted id unanswered fails the full resync and forgets nothing", async () => {
    const c = cluster({ seed: 73 });
    const ix = await indexedInSync(c, 100);
    const a = c.get(0);
    const b = c.get(1);
    c.disconnect(0, 1);
    ix.deleteFiles(5);
    const entries = { origin: c.id(0), resource: Resource.ENTRY };
    const head = a.store.streamState(entries)?.cursor as bigint;
    a.store.pruneTombstones(entries, head);
    const liveBefore = b.store.streamState(entries)?.liveCount;
    c.intercept(
      0,
      (honest: Service) =>
        ({
          ...honest,
          async reconcile(req, hctx) {
            const res = (await honest.reconcile(req, hctx)) as ReconcileResponse;
            return { ...res, missingIds: [] };
          },
        }) satisfies Service,
    );
    c.connect(0, 1);
    await c.run(500);
    expect(invalidCount(c, "reconcile", "MISSING_FIELD")).toBeGreaterThan(0);
    expect(c.logs.find("full-resync-deletes", { device: c.id(1) })).toHaveLength(0);
    expect(b.store.streamState(entries)?.liveCount).toBe(liveBefore);
    c.intercept(0, undefined);
    await c.run(120_000);
    await c.settle();
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });
});
