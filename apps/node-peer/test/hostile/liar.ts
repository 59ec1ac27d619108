// A hostile responder for the suite: a real peer on its own mutual-TLS
// HTTP/2 listener, paired with the victim (each pins the other), whose answers to the victim's calls lie
// when told to: it claims cursors (and horizons) of the victim's own
// streams and of made-up ones, and ends each pull of them at a made-up
// complete_through, serving nothing (issue 14: a responder's phantom
// complete_through). Everything else it answers honestly.
import { create } from "@bufbuild/protobuf";
import {
  BackfillResponseSchema,
  ExchangeWatermarksResponseSchema,
  PageStatus,
  RESOURCES_IN_FK_ORDER,
  type Resource,
  StreamWatermarkSchema,
} from "@tidemark/protocol";
import fc from "fast-check";
import { toHex } from "../../src/ids.js";
import { type InProcessPeer, startInProcessPeer } from "../support/in-process-peer.js";

/** One lie: what the liar claims in its watermarks and how it ends the pulls of those streams. */
export type Lie = {
  readonly claims: readonly {
    readonly origin: Uint8Array;
    readonly resource: Resource;
    readonly cursor: bigint;
    readonly horizon: bigint | undefined;
  }[];
  readonly status: PageStatus.OK | PageStatus.NOT_HELD;
  /** complete_through of the (only) OK page, claim or not. */
  readonly completeThrough: bigint;
};

export type Liar = {
  readonly peer: InProcessPeer;
  tell(lie: Lie | undefined): void;
};

const arbSeq = () =>
  fc.oneof(
    fc.bigInt({ min: 1n, max: 200n }),
    fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
    fc.constantFrom(2n ** 62n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n),
  );

/** Lies about the victim's own streams (mostly) and made-up ones. */
export function arbLie(victim: Uint8Array): fc.Arbitrary<Lie> {
  const claim = fc
    .record({
      origin: fc.oneof(
        { weight: 4, arbitrary: fc.constant(victim) },
        { weight: 1, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }) },
      ),
      resource: fc.constantFrom(...RESOURCES_IN_FK_ORDER),
      cursor: arbSeq(),
      horizon: fc.option(arbSeq(), { nil: undefined }),
    })
    .map((c) => ({
      ...c,
      horizon: c.horizon !== undefined && c.horizon <= c.cursor ? c.horizon : undefined,
    }));
  return fc.record({
    claims: fc.uniqueArray(claim, {
      minLength: 1,
      maxLength: 6,
      selector: (c) => `${toHex(c.origin)}/${c.resource}`,
    }),
    status: fc.constantFrom(PageStatus.OK, PageStatus.OK, PageStatus.NOT_HELD),
    completeThrough: arbSeq(),
  });
}

const keyOf = (s: { origin?: Uint8Array; resource?: Resource } | undefined) =>
  s?.origin === undefined ? "" : `${toHex(s.origin)}/${s.resource}`;

export async function startLiar(libraryId: string): Promise<Liar> {
  let lie: Lie | undefined;
  const lied = () => new Set((lie?.claims ?? []).map((c) => `${toHex(c.origin)}/${c.resource}`));
  const peer = await startInProcessPeer({
    name: "liar",
    libraryId,
    wrapService: (real) => ({
      ...real,
      exchangeWatermarks: async (req, ctx) => {
        const res = create(
          ExchangeWatermarksResponseSchema,
          await real.exchangeWatermarks(req, ctx),
        );
        if (lie === undefined) return res;
        const claimed = lied();
        res.watermarks = res.watermarks.filter((w) => !claimed.has(keyOf(w.stream)));
        for (const c of lie.claims) {
          res.watermarks.unshift(
            create(StreamWatermarkSchema, {
              stream: { origin: c.origin, resource: c.resource },
              cursor: c.cursor,
              liveCount: 1n,
              fingerprint: new Uint8Array(16).fill(7),
              ...(c.horizon === undefined ? {} : { tombstoneHorizon: c.horizon }),
            }),
          );
        }
        return res;
      },
      backfill: (req, ctx) =>
        (async function* () {
          const claimed = lied();
          const now = lie;
          const status = now?.status ?? PageStatus.OK;
          const faked =
            now === undefined ? [] : req.streams.filter((r) => claimed.has(keyOf(r.stream)));
          for (const r of faked) {
            yield create(BackfillResponseSchema, {
              ...(r.stream === undefined ? {} : { stream: r.stream }),
              status,
              ...(status === PageStatus.OK ? { completeThrough: now?.completeThrough ?? 1n } : {}),
              streamDone: true,
            });
          }
          const rest = req.streams.filter((r) => !faked.includes(r));
          if (rest.length > 0) yield* real.backfill({ ...req, streams: rest }, ctx);
        })(),
    }),
  });
  return {
    peer,
    tell: (next) => {
      lie = next;
    },
  };
}
