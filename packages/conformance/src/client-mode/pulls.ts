// Client scenarios about pulling: the Hello first, paged Backfills of what a
// notice or an exchange shows, gaps, resumes, claims and the order of pages.
import { create } from "@bufbuild/protobuf";
import {
  AckStatus,
  type BackfillRequest,
  type Change,
  ChangeSchema,
  type HelloRequest,
  Resource,
  type StreamId,
  StreamIdSchema,
} from "@tidemark/protocol";
import {
  backfillAsks,
  clientWatermark,
  freshSalt,
  notify,
  rowId,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  sleep,
  TIMER_SLACK_MS,
  tagChange,
  tagStream,
  tagsAt,
  waitFor,
  waitForCursor,
} from "./scenario-kit.js";
import { hex } from "./scripted-peer.js";

/** A Backfill asking for `stream` that arrived at or after `since`. */
const askedSince = (ctx: ScenarioCtx, stream: StreamId, since: number) =>
  ctx.peer
    .requests("Backfill", since)
    .some((r) =>
      (r.req as BackfillRequest).streams.some(
        (s) =>
          s.stream !== undefined &&
          hex(s.stream.origin) === hex(stream.origin) &&
          s.stream.resource === stream.resource,
      ),
    );

/**
 * NT-1: both streams grow, the notice lists one. The runner then calls
 * nothing (an exchange would tell the client): the client must pull the
 * unlisted one by its own next periodic exchange.
 */
async function unlistedGrowth(ctx: ScenarioCtx, interval: number): Promise<void> {
  const listed = tagStream(ctx.peer.newOrigin());
  const unlisted = tagStream(ctx.peer.newOrigin());
  const first = (s: StreamId) => [tagChange(rowId(1, s.origin), 1)];
  const both = (s: StreamId) => [...first(s), tagChange(rowId(2, s.origin), 2)];
  for (const s of [listed, unlisted]) {
    ctx.peer.hold(s, first(s), 1n);
    await notify(ctx, s);
  }
  for (const s of [listed, unlisted]) await waitForCursor(ctx, s, 1n, "the first pull");
  for (const s of [listed, unlisted]) ctx.peer.hold(s, both(s), 2n);
  const since = Date.now();
  await notify(ctx, listed);
  const patient = { ...ctx, timeoutMs: Math.max(ctx.timeoutMs, 2 * interval + TIMER_SLACK_MS) };
  await waitFor(ctx, "a Backfill of the listed stream", () =>
    askedSince(ctx, listed, since) ? true : undefined,
  );
  try {
    await waitFor(patient, "a Backfill of the unlisted stream", () =>
      askedSince(ctx, unlisted, since) ? true : undefined,
    );
  } catch (err) {
    if (!(err instanceof ScenarioFailure)) throw err;
    throw new ScenarioFailure(
      `the client never pulled the stream the notice left out, though the runner holds it grown and the client declared a periodic exchange every ${interval} ms: ${err.message}`,
    );
  }
  await waitForCursor(patient, unlisted, 2n, "the pull of the unlisted stream");
}

export const helloFirst: Scenario = {
  id: "client-hello-first",
  rules: ["HE-1", "HE-4"],
  title:
    "the client calls Hello before anything else, and every Hello it sends carries the same capabilities",
  async run(ctx) {
    await waitFor(ctx, "the client's first Hello", () =>
      ctx.peer.requests("Hello").length > 0 ? true : undefined,
    );
    const first = ctx.peer.log[0];
    if (first?.rpc !== "Hello")
      throw new ScenarioFailure(`the client's first call was ${first?.rpc}, not Hello`);
    const sets = new Set(
      ctx.peer
        .requests("Hello")
        .map((r) => [...(r.req as HelloRequest).capabilities].sort().join(",")),
    );
    if (sets.size > 1)
      throw new ScenarioFailure(
        `Hellos announced different capabilities: ${[...sets].map((s) => `[${s}]`).join(" vs ")}`,
      );
  },
};

export const pullsClaimedStreamInPages: Scenario = {
  id: "client-pulls-claimed-stream-in-pages",
  rules: ["EW-2", "CU-3", "CU-1"],
  title:
    "a stream the runner claims and the client lacks is pulled from the start (after_seq absent), through every page; the cursor lands on the last complete_through and the fingerprints agree",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    const seqs = [1, 2, 4, 6, 7];
    ctx.peer.hold(
      stream,
      seqs.map((s, i) => tagChange(rowId(i + 1, origin), s)),
      7n,
    );
    await notify(ctx, stream);
    const w = await waitForCursor(ctx, stream, 7n, "the pull of a claimed stream");
    const first = backfillAsks(ctx, stream)[0];
    if (first?.afterSeq !== undefined)
      throw new ScenarioFailure(`the first Backfill asked after_seq ${first.afterSeq}, not absent`);
    if (hex(w.fingerprint) !== hex(ctx.peer.watermark(stream).fingerprint) || w.liveCount !== 5n)
      throw new ScenarioFailure(
        `equal cursors, different state: client live ${w.liveCount} fp ${hex(w.fingerprint)}`,
      );
  },
};

export const gapThenPull: Scenario = {
  id: "client-gap-then-pull",
  rules: ["PC-3", "CU-3", "PC-7"],
  title:
    "a pushed batch after a gap is acked GAP with the cursor before it; the client pulls the gap after its cursor and ends at the runner's head",
  async run(ctx) {
    const own = tagStream(ctx.peer.deviceId);
    const changes = [1, 2, 3, 4, 5].map((s) => tagChange(rowId(s, freshSalt()), s));
    ctx.peer.hold(own, changes, 5n);
    const push = async (prevSeq: bigint | undefined, batch: Change[]) => {
      const req = {
        libraryId: ctx.peer.library,
        deviceId: ctx.peer.deviceId,
        batches: [ctx.peer.batch(own, batch, prevSeq)],
      };
      const res = await ctx.client.pushChanges(req, { timeoutMs: 5_000 });
      return res.acks[0];
    };
    const a = await push(undefined, changes.slice(0, 2));
    if (a?.status !== AckStatus.APPLIED || a.cursor !== 2n)
      throw new ScenarioFailure(
        `first batch: ack ${AckStatus[a?.status ?? 0]} cursor ${a?.cursor}, expected APPLIED 2`,
      );
    const since = Date.now();
    const g = await push(4n, changes.slice(4));
    if (g?.status !== AckStatus.GAP || g.cursor !== 2n)
      throw new ScenarioFailure(
        `batch after the gap: ack ${AckStatus[g?.status ?? 0]} cursor ${g?.cursor}, expected GAP 2`,
      );
    await waitForCursor(ctx, own, 5n, "the gap to be pulled");
    const pulls = ctx.peer
      .requests("Backfill", since)
      .flatMap((r) => (r.req as BackfillRequest).streams)
      .filter((s) => s.stream !== undefined && hex(s.stream.origin) === hex(own.origin));
    if (pulls.length > 0 && pulls[0]?.afterSeq !== 2n)
      throw new ScenarioFailure(
        `the gap was pulled after ${pulls[0]?.afterSeq}, not after the cursor 2`,
      );
  },
};

export const resumesAfterFailedCall: Scenario = {
  id: "client-resumes-after-failed-call",
  rules: ["BF-7"],
  title:
    "a Backfill that fails after its first page (seqs 1 and 3: seq 2 was superseded) is resumed after that page's last seq, not from the start nor past it",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    // A hole in the first page keeps the pull unfinished after the failure
    // (gap-free, it would end at its last seq: CU-5), so the retry resumes it.
    const changes = tagsAt(origin, [1, 3, 4, 5, 6, 7]);
    ctx.peer.hold(stream, changes, 7n, { failAfterPages: 1 });
    await notify(ctx, stream);
    await waitForCursor(ctx, stream, 7n, "the resumed pull");
    const asks = backfillAsks(ctx, stream).map((s) => s.afterSeq);
    if (asks.length < 2 || asks[1] !== 3n)
      throw new ScenarioFailure(
        `after_seq of the Backfills: ${asks.map(String).join(", ")}; the retry must ask after 3`,
      );
  },
};

export const clampsOverclaim: Scenario = {
  id: "client-clamps-overclaim",
  // CU-6: another origin's stream, finished at most at max(delivered, advertised cursor, horizon).
  rules: ["BF-8", "CU-3", "CU-6"],
  title:
    "a relay whose last page claims complete_through 10 after serving and advertising 2 is clamped: the client's cursor is 2",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    ctx.peer.hold(stream, tagsAt(origin, [1, 2]), 2n, {
      overclaim: 10n,
    });
    await notify(ctx, stream);
    await waitForCursor(ctx, stream, 2n, "the pull to finish at what was delivered");
  },
};

export const holdsFutureHlcStreamOnly: Scenario = {
  id: "client-holds-future-hlc-stream-only",
  rules: ["HL-4", "BF-9"],
  title:
    "a page with a change 10 minutes ahead holds its stream (no cursor past it) while the other stream of the same Backfill finishes",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const tags = tagStream(origin);
    const cols = create(StreamIdSchema, { origin, resource: Resource.COLLECTION });
    const ahead = tagChange(rowId(2, origin), 2);
    ahead.hlc = (BigInt(Date.now() + 600_000) << 16n) | 1n;
    ctx.peer.hold(
      tags,
      [tagChange(rowId(1, origin), 1), ahead, tagChange(rowId(3, origin), 3)],
      3n,
    );
    ctx.peer.hold(
      cols,
      [
        create(ChangeSchema, {
          rowId: rowId(9, origin),
          seq: 1n,
          hlc: (BigInt(Date.now()) << 16n) | 1n,
          body: { case: "collection", value: { name: "c", description: "" } },
        }),
      ],
      1n,
    );
    await ctx.client.notifyDataAvailable(
      {
        libraryId: ctx.peer.library,
        deviceId: ctx.peer.deviceId,
        watermarks: [ctx.peer.watermark(tags), ctx.peer.watermark(cols)],
      },
      { timeoutMs: 5_000 },
    );
    await waitForCursor(ctx, cols, 1n, "the other stream to finish");
    const w = await clientWatermark(ctx, tags);
    if (w?.cursor !== undefined && w.cursor >= 2n)
      throw new ScenarioFailure(
        `the held stream's cursor moved to ${w.cursor}, past the change it cannot apply`,
      );
  },
};

export const noFinishBelowApplied: Scenario = {
  id: "client-no-finish-below-applied",
  rules: ["CU-5"],
  title:
    "a pull that applied through seq 4 is never finished below it when the source falls back to 3, yet, cut after receiving seqs 1-4 with none missing, ends at 4 with no source holding 4; it finishes once a source holds more",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    const changes = tagsAt(origin, [1, 2, 3, 4, 5, 6]);
    ctx.peer.hold(stream, changes, 6n, { failAfterPages: 2 });
    await notify(ctx, stream);
    await waitFor(ctx, "the first call to fail after two pages", () =>
      backfillAsks(ctx, stream).length > 0 && ctx.peer.requests("Backfill").length > 0
        ? true
        : undefined,
    );
    // The source now holds less than the client applied: at once, so the
    // retry after the failed call (the reference: 0.5-1 s of backoff)
    // finds it at 3 (the failing call serves what it started with).
    ctx.peer.hold(stream, changes.slice(0, 3), 3n);
    await notify(ctx, stream).catch(() => undefined);
    let w: Awaited<ReturnType<typeof clientWatermark>>;
    for (let i = 0; i < 6; i++) {
      await sleep(400);
      w = await clientWatermark(ctx, stream).catch(() => undefined);
      if (w?.cursor !== undefined && w.cursor < 4n)
        throw new ScenarioFailure(
          `the client finished its pull at ${w.cursor}, below the seq 4 it applied`,
        );
    }
    // It received every seq through 4: a pull cut there ends there, whether
    // or not a source holds 4 (else it waits for good if none ever does).
    if (w?.cursor !== 4n || w.pulling === true)
      throw new ScenarioFailure(
        `cut after receiving seqs 1-4 with none missing, the pull did not end at 4 while no source held 4: cursor ${w?.cursor ?? "none"}${w?.pulling === true ? ", pulling" : ""}`,
      );
    ctx.peer.hold(stream, changes, 6n);
    await notify(ctx, stream);
    await waitForCursor(ctx, stream, 6n, "the pull to finish from a source holding more");
  },
};

export const distrustsOutOfOrderPages: Scenario = {
  id: "client-distrusts-out-of-order-pages",
  rules: ["BF-7"],
  title:
    "a Backfill whose second page goes back below its first (pages out of order) voids the call: the retry asks after where that call started, never past the rows it skipped, and the pull ends holding every row",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    const changes = tagsAt(origin, [1, 2, 3, 4, 5, 6]);
    // The first call serves seqs 3-4, then 1-2: the client applies 3-4 and rejects the rest.
    ctx.peer.hold(stream, changes, 6n, { disorderOnce: true });
    await notify(ctx, stream);
    // The retry waits out the client's backoff (as client-retries-unavailable-...).
    const patient = { ...ctx, timeoutMs: Math.max(ctx.timeoutMs, 12_000) };
    const w = await waitForCursor(patient, stream, 6n, "the pull after the distrusted call");
    const asks = backfillAsks(ctx, stream).map((s) => s.afterSeq);
    if (asks.length < 2 || asks[1] !== asks[0])
      throw new ScenarioFailure(
        `after_seq of the Backfills: ${asks.map((a) => a ?? "(none)").join(", ")}; the retry must ask after ${asks[0] ?? "nothing"} (where the distrusted call started), not past rows it never received`,
      );
    const mine = ctx.peer.watermark(stream);
    if (w.liveCount !== mine.liveCount || hex(w.fingerprint) !== hex(mine.fingerprint))
      throw new ScenarioFailure(
        `the pull finished at 6 holding ${w.liveCount} rows, the source ${mine.liveCount}: rows skipped by the out-of-order call were never fetched`,
      );
  },
};

export const pullsStreamANoticeLeftOut: Scenario = {
  id: "client-pulls-stream-a-notice-left-out",
  rules: ["NT-1"],
  needs: ["exchangeIntervalMs"],
  title:
    "two streams grow and a notice lists one: the client pulls both, the unlisted one by its next periodic exchange (the runner calls nothing meanwhile)",
  async run(ctx) {
    await unlistedGrowth(ctx, ctx.timers.exchangeIntervalMs ?? 0);
  },
};
