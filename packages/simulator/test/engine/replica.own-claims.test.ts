// A claim on our own stream is not a row (PROTOCOL §3.7): while own commits
// wait after a restart, a peer claiming far more of our stream than it can
// serve must not renumber our unconfirmed changes to its claim.
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { tagWrite } from "@tidemark/engine/testing";
import {
  type BackfillResponse,
  BackfillResponseSchema,
  ExchangeWatermarksResponseSchema,
  PageStatus,
  Resource,
  StreamWatermarkSchema,
  type SyncService,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster, indexedInSync } from "./setup.js";

type Service = ServiceImpl<typeof SyncService>;
type Pages = AsyncIterable<BackfillResponse>;
const FORGED = 876_012_485_598_209_408n;

describe("claims on our own streams", { timeout: 60_000 }, () => {
  test("unbacked-own-stream-claim-moves-no-own-seqs: only served rows renumber unconfirmed changes", async () => {
    const c = cluster({ seed: 83 });
    const A = c.id(0);
    await indexedInSync(c, 20);
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
  test("phantom-complete-through-renumbers-own-seqs: a pull's complete_through above the rows served moves no own seq", async () => {
    const c = cluster({ seed: 84 });
    const A = c.id(0);
    await indexedInSync(c, 20);
    const entries = { origin: A, resource: Resource.ENTRY };
    const tags = { origin: A, resource: Resource.TAG };
    const isOwn = (origin: Uint8Array | undefined) =>
      Buffer.from(origin ?? []).toString("hex") === A;
    // A restarts and writes more (held), among them its first tag (a new
    // stream: no cursor). B claims both streams far beyond anything A wrote
    // and answers their pulls with that claim as complete_through: it serves
    // what it has (nothing above A's cursor) and vouches for the rest.
    c.crash(0);
    c.intercept(1, (s: Service) => ({
      ...s,
      exchangeWatermarks: async (...args: Parameters<Service["exchangeWatermarks"]>) => {
        const res = create(ExchangeWatermarksResponseSchema, await s.exchangeWatermarks(...args));
        const listed = new Set<number>();
        for (const wm of res.watermarks) {
          if (!isOwn(wm.stream?.origin)) continue;
          wm.cursor = FORGED;
          listed.add(wm.stream?.resource ?? 0);
        }
        if (!listed.has(Resource.TAG)) {
          res.watermarks.push(
            create(StreamWatermarkSchema, {
              stream: { origin: Buffer.from(A, "hex"), resource: Resource.TAG },
              cursor: FORGED,
              liveCount: 1n,
              fingerprint: new Uint8Array(16).fill(1),
            }),
          );
        }
        return res;
      },
      backfill: (
        req: Parameters<Service["backfill"]>[0],
        ctx: Parameters<Service["backfill"]>[1],
      ) =>
        (async function* () {
          const asked = (req.streams ?? []).filter((r) => isOwn(r.stream?.origin));
          const others = {
            ...req,
            streams: (req.streams ?? []).filter((r) => !isOwn(r.stream?.origin)),
          };
          for (const r of asked) {
            yield create(BackfillResponseSchema, {
              ...(r.stream === undefined ? {} : { stream: r.stream }),
              status: PageStatus.OK,
              completeThrough: FORGED,
              streamDone: true,
            });
          }
          if (others.streams.length > 0) yield* s.backfill(others, ctx) as Pages;
        })(),
    }));
    const a = await c.open(0);
    const more = new TreeIndexer(c, 0);
    more.init("after-restart");
    more.index(5);
    c.commit(0, [tagWrite(new Uint8Array(16).fill(9), "first-tag")]);
    const written = a.store.streamState(entries)?.headSeq as bigint;
    c.setLink(0, 1, true);
    a.peerConnected(c.id(1));
    await c.run(20_000);
    expect(a.metricsRegistry.sum("tidemark_origin_rewinds_total")).toBeGreaterThan(0);
    expect(a.store.streamState(entries)?.headSeq).toBe(written);
    expect(a.store.streamState(entries)?.cursor ?? 0n).toBeLessThan(2n ** 32n);
    expect(a.store.streamState(tags)?.headSeq).toBe(1n);
    expect(a.metricsRegistry.sum("tidemark_complete_through_clamped_total")).toBeGreaterThan(0);
    expect(a.status().own.unconfirmedSeqs).toBeLessThan(2n ** 32n);
    // B is fixed: A confirms, and both converge.
    c.intercept(1, undefined);
    c.connectAll();
    await c.run(300_000);
    await c.settle();
    expect(a.status().own.confirmed).toBe(true);
    expect(a.store.streamState(entries)?.cursor).toBe(written);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });
});
