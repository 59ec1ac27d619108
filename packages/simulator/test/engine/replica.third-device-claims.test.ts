// A paired relay lying about a THIRD device's stream (PROTOCOL.md §3.5
// CU-8): its cursor and complete_through claims are its own word, so the
// receiver believes them only up to what the stream's origin signed — a
// verified change at that seq or a verified head statement (§16 SG-9).
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type BackfillResponse,
  BackfillResponseSchema,
  type ExchangeWatermarksResponse,
  headSigningBytes,
  PageStatus,
  type ReconcileResponse,
  Resource,
  StreamHeadSchema,
  type StreamWatermark,
  type SyncService,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import type { TestCluster } from "../../src/harness/cluster.js";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { devicePublicKeyOf, LIBRARY_ID, signAs } from "../../src/ids.js";
import { cluster, indexedInSync, originBehindRelay } from "./setup.js";

type Service = ServiceImpl<typeof SyncService>;
type Pages = AsyncIterable<BackfillResponse>;
type HeadLie = "keep" | "strip" | "forge";

const OVER = 1_000n;
const LIBRARY = Uint8Array.from(Buffer.from(LIBRARY_ID, "hex"));

/**
 * Device `relay` over-claims every stream of `origin` by OVER in its
 * watermarks and on its last Backfill pages; the head statements it relays
 * are kept, stripped, or replaced by one it signed itself at the lie.
 */
function overClaimThirdDevice(
  c: TestCluster,
  relay: number,
  origin: string,
  heads: HeadLie,
  opts: { horizon?: boolean; onReconcile?: () => void } = {},
) {
  const isThird = (o: Uint8Array | undefined) =>
    o !== undefined && Buffer.from(o).toString("hex") === origin;
  const head = (resource: Resource, seq: bigint) => {
    if (heads === "keep") return undefined;
    if (heads === "strip") return null;
    const originId = Uint8Array.from(Buffer.from(origin, "hex"));
    return create(StreamHeadSchema, {
      seq,
      signature: signAs(relay, headSigningBytes(LIBRARY, originId, resource, seq)),
      originKey: devicePublicKeyOf(relay),
    });
  };
  const lieHead = <T extends { head?: unknown }>(m: T, resource: Resource, seq: bigint): T => {
    const h = head(resource, seq);
    if (h === undefined) return m;
    return { ...m, head: h ?? undefined };
  };
  c.intercept(relay, (s: Service) => ({
    ...s,
    exchangeWatermarks: async (
      req: Parameters<Service["exchangeWatermarks"]>[0],
      ctx: Parameters<Service["exchangeWatermarks"]>[1],
    ) => {
      const res = (await s.exchangeWatermarks(req, ctx)) as ExchangeWatermarksResponse;
      res.watermarks = res.watermarks.map((w) =>
        isThird(w.stream?.origin) && w.cursor !== undefined
          ? lieHead(
              {
                ...w,
                cursor: w.cursor + OVER,
                ...(opts.horizon === true ? { tombstoneHorizon: w.cursor + OVER } : {}),
              },
              w.stream?.resource ?? 0,
              w.cursor + OVER,
            )
          : w,
      );
      return res;
    },
    reconcile: async (
      req: Parameters<Service["reconcile"]>[0],
      ctx: Parameters<Service["reconcile"]>[1],
    ) => {
      opts.onReconcile?.();
      const res = (await s.reconcile(req, ctx)) as ReconcileResponse;
      // A consistent liar: its replies claim the cursor its watermarks do.
      if (opts.horizon === true && isThird(req.stream?.origin) && res.cursor !== undefined)
        return { ...res, cursor: res.cursor + OVER };
      return res;
    },
    backfill: (
      req: Parameters<Service["backfill"]>[0],
      ctx: Parameters<Service["backfill"]>[1],
    ): Pages =>
      (async function* () {
        for await (const p of s.backfill(req, ctx) as Pages) {
          if (opts.horizon === true && isThird(p.stream?.origin)) {
            // Every pull lies below the horizon it claims: only a full resync catches up.
            if (p.streamDone)
              yield create(BackfillResponseSchema, {
                stream: p.stream,
                status: PageStatus.BELOW_HORIZON,
                streamDone: true,
              });
            continue;
          }
          if (!isThird(p.stream?.origin) || !p.streamDone || p.completeThrough === undefined) {
            yield p;
            continue;
          }
          const claimed = p.completeThrough + OVER;
          yield lieHead({ ...p, completeThrough: claimed }, p.stream?.resource ?? 0, claimed);
        }
      })(),
  }));
}

/**
 * Origin C (device 0) writes 200 entries; relay R (2) syncs them, then C
 * goes offline. B (1) catches up from R, which over-claims C's streams.
 */
async function lyingRelay(heads: HeadLie) {
  const { c, b, entries, head } = await originBehindRelay(141);
  overClaimThirdDevice(c, 2, c.id(0), heads);
  c.connect(1, 2);
  await c.settle();
  return { c, b, entries, head };
}

describe("claims about a third device's stream (CU-8)", { timeout: 90_000 }, () => {
  test("a-relay-claiming-a-third-device-cursor-beyond-its-signed-head-is-not-believed", async () => {
    const { c, b, entries, head } = await lyingRelay("keep");
    expect(b.store.streamState(entries)?.cursor).toBe(head);
    // The relay relayed the origin's real head: it is kept, and bounds the lie.
    expect(b.store.verifiedHead(entries)).toBe(head);
    expect(b.metricsRegistry.sum("tidemark_unverified_cursor_claims_total")).toBeGreaterThan(0);
    const logged = c.logs.find("cursor-claim-beyond-signed-head", { device: c.id(1) });
    const ofEntries = logged.filter((l) => l.fields.stream === `${c.id(0)}/${Resource.ENTRY}`);
    expect(ofEntries.length).toBeGreaterThan(0);
    expect(ofEntries[0]?.fields.peer).toBe(c.id(2));
    // The origin comes back: everything arrives, no cursor ever above its head.
    await c.open(0);
    c.connectAll();
    await c.settle();
    for (const i of [1, 2]) expect(c.get(i).store.streamState(entries)?.cursor).toBe(head);
    expect((await c.convergence()).problems).toEqual([]);
    c.close();
  });

  test("a-relay-that-sends-no-head-is-bounded-by-the-seqs-it-delivered", async () => {
    const { c, b, entries, head } = await lyingRelay("strip");
    // The top entry is live, so the relay delivered seq `head` itself.
    expect(b.store.streamState(entries)?.cursor).toBe(head);
    expect(b.store.verifiedHead(entries)).toBeUndefined();
    expect(b.metricsRegistry.sum("tidemark_unverified_cursor_claims_total")).toBeGreaterThan(0);
    c.close();
  });

  test("a-full-resync-against-an-over-claiming-relay-is-not-repeated-in-a-loop", async () => {
    // B holds the origin's stream to its head; then the relay claims more
    // and a tombstone horizon above B's cursor, so only a full resync can
    // catch up. It cannot back its claim (no head): the run adopts no more
    // than B holds. Repeating it at once for the same claim spun: 39 873
    // Reconcile calls in a minute before the claim was settled as refuted.
    const { c, b, entries, head } = await originBehindRelay(143);
    c.connect(1, 2);
    await c.settle();
    expect(b.store.streamState(entries)?.cursor).toBe(head);
    let reconciles = 0;
    overClaimThirdDevice(c, 2, c.id(0), "strip", {
      horizon: true,
      onReconcile: () => {
        reconciles++;
      },
    });
    c.disconnect(1, 2);
    c.connect(1, 2);
    await c.settle(60_000);
    expect(b.store.streamState(entries)?.cursor).toBe(head);
    expect(reconciles).toBeLessThan(40);
    c.close();
  });

  test("a-head-signed-by-the-relay-for-a-third-device-is-not-believed", async () => {
    const { c, b, entries, head } = await lyingRelay("forge");
    expect(b.store.streamState(entries)?.cursor).toBe(head);
    expect(b.store.verifiedHead(entries)).toBeUndefined();
    expect(b.metricsRegistry.sum("tidemark_stream_heads_refused_total")).toBeGreaterThan(0);
    expect(c.logs.find("stream-head-refused", { device: c.id(1) })[0]?.fields.reason).toBe(
      "forged-key",
    );
    c.close();
  });

  test("a-restored-origin-that-learns-its-own-higher-signed-head-reuses-no-seq-below-it", async () => {
    const c = cluster({ seed: 142 });
    const C = c.id(0);
    const entries = { origin: C, resource: Resource.ENTRY };
    await indexedInSync(c, 100);
    c.crash(0);
    const backup = c.image(0);
    const c2 = await c.open(0);
    c.connect(0, 1);
    const later = new TreeIndexer(c, 0);
    later.init("later");
    later.index(50);
    await c.settle();
    const head = c2.store.streamState(entries)?.cursor as bigint;
    const old = c.get(1).store.streamState(entries)?.cursor;
    c.crash(0);
    // B holds C's head but lost the rows after the backup's cursor (it
    // reports that cursor, both ways, and serves none of C's streams): only
    // the signed head tells the restored C how far its seqs went.
    const ofC = (o: Uint8Array | undefined) =>
      o !== undefined && Buffer.from(o).toString("hex") === C;
    const lower = (ws: StreamWatermark[]) =>
      ws.map((w) =>
        ofC(w.stream?.origin) && w.stream?.resource === Resource.ENTRY
          ? { ...w, cursor: old === undefined ? undefined : old - 50n }
          : w,
      );
    c.intercept(1, (s: Service) => ({
      ...s,
      exchangeWatermarks: async (
        req: Parameters<Service["exchangeWatermarks"]>[0],
        ctx: Parameters<Service["exchangeWatermarks"]>[1],
      ) => {
        const res = (await s.exchangeWatermarks(req, ctx)) as ExchangeWatermarksResponse;
        res.watermarks = lower(res.watermarks);
        return res;
      },
      backfill: (
        req: Parameters<Service["backfill"]>[0],
        ctx: Parameters<Service["backfill"]>[1],
      ): Pages =>
        (async function* () {
          for await (const p of s.backfill(req, ctx) as Pages) {
            if (!ofC(p.stream?.origin) || p.stream?.resource !== Resource.ENTRY) yield p;
            else if (p.streamDone)
              yield create(BackfillResponseSchema, {
                stream: p.stream,
                status: PageStatus.NOT_HELD,
                streamDone: true,
              });
          }
        })(),
    }));
    c.intercept(0, (s: Service) => ({
      ...s,
      exchangeWatermarks: (
        req: Parameters<Service["exchangeWatermarks"]>[0],
        ctx: Parameters<Service["exchangeWatermarks"]>[1],
      ) => s.exchangeWatermarks({ ...req, watermarks: lower(req.watermarks) }, ctx),
      notifyDataAvailable: (
        req: Parameters<Service["notifyDataAvailable"]>[0],
        ctx: Parameters<Service["notifyDataAvailable"]>[1],
      ) => s.notifyDataAvailable({ ...req, watermarks: lower(req.watermarks) }, ctx),
    }));
    const restored = await c.open(0, { image: backup });
    const fresh = new TreeIndexer(c, 0);
    fresh.init("after-restore");
    fresh.index(20);
    c.connect(0, 1);
    await c.settle();
    expect(c.logs.find("own-head-above-cursor", { device: C }).length).toBeGreaterThan(0);
    const mine = restored.store.changesByIds(entries, fresh.files.slice(0, 5)).map((ch) => ch.seq);
    expect(mine).toHaveLength(5);
    for (const seq of mine) expect(seq > head).toBe(true);
    expect((restored.store.streamState(entries)?.cursor ?? 0n) > head).toBe(true);
    c.close();
  });
});
