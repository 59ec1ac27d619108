// Client scenarios about failed calls: a transport failure retried without
// moving a cursor, a refusal repeated only on ER-3's growing backoff.
import { Code } from "@connectrpc/connect";
import { type BackfillRequest, refusedRetryFloorMs, type StreamId } from "@tidemark/protocol";
import {
  backfillAsks,
  isStream,
  notify,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  sleep,
  tagStream,
  tagsAt,
  waitFor,
  waitForCursor,
  withLoopDelay,
} from "./scenario-kit.js";
import { hex } from "./scripted-peer.js";

/** How long the client is watched repeating a refused request (the floor allows at most 5 calls). */
const REFUSAL_WINDOW_MS = 8_000;

/**
 * When the client called the runner for other data (a Backfill of another
 * stream, a Reconcile): calls that can make progress, after which ER-3's
 * count of unchanged repeats starts over.
 */
const progressCalls = (ctx: ScenarioCtx, stream: StreamId) => [
  ...ctx.peer.requests("Reconcile").map((r) => r.at),
  ...ctx.peer
    .requests("Backfill")
    .filter((r) => (r.req as BackfillRequest).streams.every((x) => !isStream(x.stream, stream)))
    .map((r) => r.at),
];

/** The least pause before retrying a transport failure that the kit calls a backoff. */
const RETRY_PAUSE_MS = 50;

export const retriesUnavailableWithoutMovingCursor: Scenario = {
  id: "client-retries-unavailable-without-moving-cursor",
  rules: ["ER-2"],
  title:
    "a Backfill answered unavailable before any page is retried after a pause, after the same seq (no cursor moved), and the pull then finishes",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    const changes = tagsAt(origin, [1, 2, 3]);
    ctx.peer.hold(stream, changes, 3n, { failAfterPages: 0 });
    await notify(ctx, stream);
    // The retry waits out the client's backoff (the reference: 1 s base, jitter): allow 12 s at least.
    const patient = { ...ctx, timeoutMs: Math.max(ctx.timeoutMs, 12_000) };
    await waitForCursor(patient, stream, 3n, "the retried pull");
    const calls = ctx.peer
      .requests("Backfill")
      .filter((r) =>
        (r.req as BackfillRequest).streams.some(
          (s) => s.stream !== undefined && hex(s.stream.origin) === hex(origin),
        ),
      );
    const asks = backfillAsks(ctx, stream).map((s) => s.afterSeq);
    if (calls.length < 2 || asks.length < 2)
      throw new ScenarioFailure(`${calls.length} Backfill call(s): the failed one was not retried`);
    if (asks[1] !== asks[0])
      throw new ScenarioFailure(
        `the retry asked after ${asks[1]}, the failed call after ${asks[0]}: a transport failure moved the cursor`,
      );
    // "With backoff": not retried at once (the kit asks for a pause of at least RETRY_PAUSE_MS).
    const gap = (calls[1]?.at ?? 0) - (calls[0]?.at ?? 0);
    if (gap < RETRY_PAUSE_MS)
      throw new ScenarioFailure(`retried ${gap} ms after the failure: no backoff`);
  },
};

export const repeatsRefusedBackfillOnGrowingBackoff: Scenario = {
  id: "client-repeats-refused-backfill-on-growing-backoff",
  rules: ["ER-3", "ER-1"],
  title:
    "a Backfill refused permission_denied with a reason the client does not know is never repeated unchanged at once nor at a fixed interval: each repeat waits at least ER-3's doubling floor (500 ms, 1 s, 2 s, …), counted afresh after a call for other data",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    const rows = tagsAt(origin, [1]);
    // Reason 999 is no ErrorReason: the client acts on permission_denied alone (ER-1).
    ctx.peer.hold(stream, rows, 1n, { refuse: { code: Code.PermissionDenied, reason: 999 } });
    try {
      await notify(ctx, stream);
      await waitFor(ctx, "the client's first Backfill of the announced stream", () =>
        backfillAsks(ctx, stream).length > 0 ? true : undefined,
      );
      const lag = await withLoopDelay(async () => {
        await sleep(REFUSAL_WINDOW_MS);
      });
      const asks = backfillAsks(ctx, stream);
      const moved = progressCalls(ctx, stream);
      for (const [i, ask] of asks.entries()) {
        const prev = asks[i - 1];
        if (prev === undefined || prev.afterSeq !== ask.afterSeq) continue;
        // ER-3: the count restarts once a call to the runner makes progress.
        const restart = moved.filter((t) => t < ask.at).reduce((a, t) => Math.max(a, t), 0);
        const since = asks.slice(0, i).filter((a) => a.afterSeq === ask.afterSeq && a.at > restart);
        const repeat = Math.max(1, since.length);
        const floor = refusedRetryFloorMs(repeat);
        // Stamps are late by at most the runner's loop delay; a repeat
        // closer than half the floor fails however loaded the machine.
        if (ask.at - prev.at < floor - Math.min(lag, floor / 2))
          throw new ScenarioFailure(
            `repeat ${repeat} of the refused Backfill came ${ask.at - prev.at} ms after the one before; ER-3 asks for at least ${floor} ms (asked at +${asks.map((a) => a.at - (asks[0]?.at ?? 0)).join(", +")} ms; runner loop delay ${lag} ms)`,
          );
      }
    } finally {
      // Lifted: later scenarios' pulls from the runner must not be refused with it.
      ctx.peer.hold(stream, rows, 1n);
    }
  },
};
