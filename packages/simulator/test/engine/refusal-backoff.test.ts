// ER-3: a request a peer refuses for what it is (permission_denied: the
// caller is not paired there yet) is repeated unchanged only on a capped
// exponential backoff, never at once nor at a fixed interval — a pairing
// can clear the refusal, asking again at once cannot.
import { toJsonString } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  BackfillRequestSchema,
  type BackfillResponse,
  ErrorReason,
  ProtocolError,
  refusedRetryFloorMs,
  type SyncService,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { TreeIndexer } from "../../src/harness/tree-indexer.js";
import { cluster } from "./setup.js";

type Service = ServiceImpl<typeof SyncService>;

describe("repeats of a refused request", { timeout: 60_000 }, () => {
  test.each([
    ["the default backoff", {}],
    ["a configured backoff shorter than ER-3's floor", { backoffBaseMs: 50, backoffMaxMs: 200 }],
  ])(
    "a Backfill refused permission_denied NOT_PAIRED is re-sent on a growing backoff (%s)",
    async (_, config) => {
      const c = cluster({ seed: 73, config });
      await c.open(0);
      await c.open(1);
      new TreeIndexer(c, 0).init();
      const asked: { at: number; req: string }[] = [];
      let paired = false;
      c.intercept(
        0,
        (honest: Service) =>
          ({
            ...honest,
            async *backfill(req, hctx) {
              asked.push({ at: c.now(), req: toJsonString(BackfillRequestSchema, req) });
              // Until the user pairs the devices: refused for what it is, before any page.
              if (!paired)
                throw new ProtocolError(ErrorReason.NOT_PAIRED, "not paired yet").toConnectError();
              yield* honest.backfill(req, hctx) as AsyncIterable<BackfillResponse>;
            },
          }) satisfies Service,
      );
      c.connectAll();
      await c.run(120_000);
      // The unchanged repeats of the last request (earlier ones asked for fewer streams).
      const last = asked[asked.length - 1]?.req;
      const repeats = asked.slice(asked.findIndex((a) => a.req === last));
      expect(repeats.every((a) => a.req === last)).toBe(true);
      const gaps = repeats.slice(1).map((a, i) => a.at - (repeats[i]?.at ?? 0));
      expect(gaps.length).toBeGreaterThanOrEqual(4);
      for (const [i, gap] of gaps.entries())
        expect(gap).toBeGreaterThanOrEqual(refusedRetryFloorMs(i + 1));
      // Growing, not a fixed interval: the last wait is several times the first.
      expect(gaps[gaps.length - 1]).toBeGreaterThanOrEqual(4 * (gaps[0] ?? 0));
      // The refusal clears without the request changing: the next repeat succeeds.
      paired = true;
      await c.run(70_000);
      await c.settle();
      expect((await c.convergence()).problems).toEqual([]);
      c.close();
    },
  );

  test("a reconnect right after a refusal does not repeat it before ER-3's floor", async () => {
    const c = cluster({ seed: 74 });
    await c.open(0);
    await c.open(1);
    new TreeIndexer(c, 0).init();
    const asked: { at: number; req: string }[] = [];
    c.intercept(
      0,
      (honest: Service) =>
        ({
          ...honest,
          async *backfill(req, hctx) {
            asked.push({ at: c.now(), req: toJsonString(BackfillRequestSchema, req) });
            if (asked.length < 1_000)
              throw new ProtocolError(ErrorReason.NOT_PAIRED, "not paired yet").toConnectError();
            yield* honest.backfill(req, hctx) as AsyncIterable<BackfillResponse>;
          },
        }) satisfies Service,
    );
    c.connectAll();
    for (let i = 0; i < 600 && asked.length < 4; i++) await c.run(50);
    // The connection drops and comes back (a host's monitor saw it flap) just after a refusal.
    c.disconnect(0, 1);
    c.connect(0, 1);
    await c.run(60_000);
    const last = asked[asked.length - 1]?.req;
    const repeats = asked.slice(asked.findIndex((a) => a.req === last));
    const gaps = repeats.slice(1).map((a, i) => a.at - (repeats[i]?.at ?? 0));
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    for (const [i, gap] of gaps.entries())
      expect(gap).toBeGreaterThanOrEqual(refusedRetryFloorMs(i + 1));
    c.close();
  });
});
