// Pages from a peer that lies or is buggy: out of order, or claiming more
// than it holds. What the receiver applies and where its cursor goes must
// rest on what it actually received, never on the peer's word alone.
import type { ServiceImpl } from "@connectrpc/connect";
import { type BackfillResponse, Resource, type SyncService } from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { TestCluster } from "../../src/harness/cluster.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster, originBehindRelay } from "./setup.js";

type Pages = AsyncIterable<BackfillResponse>;
type Service = ServiceImpl<typeof SyncService>;

/** Serves device `i`'s Backfill through `lie`, the rest as is. */
function lyingBackfill(c: TestCluster, i: number, lie: (pages: Pages) => Pages) {
  c.intercept(i, (s: Service) => ({
    ...s,
    backfill: (req: Parameters<Service["backfill"]>[0], ctx: Parameters<Service["backfill"]>[1]) =>
      lie(s.backfill(req, ctx) as Pages),
  }));
}

describe("bad pages from a peer", { timeout: 60_000 }, () => {
  /** B pulls 500 entries from A, whose first entry Backfill swaps two pages. */
  async function outOfOrderPages(variant?: string) {
    const c = cluster({ seed: 71, watchInvariant: true, config: { pageMaxChanges: 100 } });
    await c.open(0);
    await c.open(1, variant === undefined ? {} : { variant });
    const ix = new TreeIndexer(c, 0);
    ix.init();
    ix.index(499);
    // The first call carrying entry pages delivers the second before the first.
    let lied = false;
    lyingBackfill(c, 0, (pages) =>
      lied
        ? pages
        : (async function* () {
            let held: BackfillResponse | undefined;
            for await (const p of pages) {
              if (lied || p.stream?.resource !== Resource.ENTRY || p.streamDone) {
                yield p;
                continue;
              }
              if (held === undefined) {
                held = p;
                continue;
              }
              lied = true;
              yield p;
              yield held;
            }
          })(),
    );
    c.connectAll();
    await c.run(60_000);
    await c.settle();
    return c;
  }

  test("bad-pages-out-of-order: a retry never resumes past rows it did not receive", async () => {
    const c = await outOfOrderPages();
    const B = c.id(1);
    expect(c.logs.find("invalid-response", { device: B, rpc: "backfill" }).length).toBe(1);
    // Every row arrived by pulling: no cursor ever covered a missing row,
    // and no reconcile had to find them.
    expect(c.invariantViolations).toEqual([]);
    expect(c.get(1).metricsRegistry.sum("tidemark_reconciles_total")).toBe(0);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("bad-pages-out-of-order: the resumePastMissingPages variant re-introduces it", async () => {
    const c = await outOfOrderPages("resumePastMissingPages");
    // The retry resumed past the held-back page: a cursor covered missing rows.
    expect(c.invariantViolations.length).toBeGreaterThan(0);
    c.close();
  });

  test("bad-pages-inflated-complete-through: a relay's over-claim moves no cursor past the origin's head", async () => {
    // A goes offline; B joins and catches up from the relay, which over-claims.
    const { c, b, entries, head } = await originBehindRelay(72);
    lyingBackfill(c, 2, (pages) =>
      (async function* () {
        for await (const p of pages) {
          if (p.stream?.resource === Resource.ENTRY && p.streamDone)
            yield { ...p, completeThrough: head + 1_000_000n };
          else yield p;
        }
      })(),
    );
    c.connect(1, 2);
    await c.settle();
    expect(b.store.streamState(entries)?.cursor).toBe(head);
    expect(b.metricsRegistry.sum("tidemark_complete_through_clamped_total")).toBeGreaterThan(0);
    // The origin comes back: its own head stays its own.
    const back = await c.open(0);
    c.connectAll();
    await c.settle();
    expect(back.store.streamState(entries)?.cursor).toBe(head);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });
});
