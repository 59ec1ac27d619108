// Client scenarios about reconciliation at equal cursors: who repairs, when
// fingerprints may be compared, and what a bad or cursorless reply means.
import { create } from "@bufbuild/protobuf";
import {
  AckStatus,
  ChangeSchema,
  type PushChangesRequest,
  Resource,
  type StreamId,
  StreamIdSchema,
} from "@tidemark/protocol";
import { pullThenResync } from "./full-resync.js";
import {
  clientWatermark,
  freshSalt,
  notify,
  pulledFirst,
  rowId,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  sleep,
  TIMER_SLACK_MS,
  tagChange,
  tagStream,
  tagsAt,
  volumeChange,
  waitFor,
} from "./scenario-kit.js";
import { hex } from "./scripted-peer.js";

/** Reconcile calls for `stream` that arrived at or after `since`. */
const reconcilesSince = (ctx: ScenarioCtx, stream: StreamId, since: number) =>
  ctx.peer
    .requests("Reconcile", since)
    .filter(
      (r) =>
        hex((r.req as { stream?: StreamId }).stream?.origin ?? new Uint8Array()) ===
        hex(stream.origin),
    ).length;

/**
 * EW-6: the client holds more rows than the runner at equal cursors, so it
 * may defer; the runner never reconciles and repeats the same triple. The
 * client must reconcile once its deferral is over.
 */
async function deferredReconcile(ctx: ScenarioCtx, defer: number): Promise<void> {
  const stream = tagStream(ctx.peer.newOrigin());
  const rows = tagsAt(stream.origin, [1, 2]);
  await pulledFirst(ctx, stream, rows, 2n);
  // Same cursor, one row fewer: a mismatch where the runner holds fewer.
  ctx.peer.hold(stream, rows.slice(0, 1), 2n);
  const since = Date.now();
  const deadline = since + 2 * defer + Math.max(ctx.timeoutMs, TIMER_SLACK_MS);
  try {
    while (reconcilesSince(ctx, stream, since) === 0) {
      if (Date.now() > deadline)
        throw new ScenarioFailure(
          `no Reconcile of a mismatch shown unchanged for ${Date.now() - since} ms (declared deferral ${defer} ms): a deferral dropped the repair`,
        );
      // The same triple again, as a later exchange would show it.
      await notify(ctx, stream);
      await sleep(Math.max(250, Math.floor(defer / 2)));
    }
  } finally {
    // In sync again: later scenarios see no standing mismatch.
    ctx.peer.hold(stream, rows, 2n);
  }
}

export const reconcilesOnMismatch: Scenario = {
  id: "client-reconciles-on-mismatch",
  rules: ["EW-3", "CU-1"],
  title:
    "equal cursors with different fingerprints and equal counts make the client reconcile, whatever the counts say; its rounds end",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    await pulledFirst(ctx, stream, tagsAt(origin, [1, 2]), 2n);
    ctx.peer.hold(stream, [tagChange(rowId(1, origin), 1), tagChange(rowId(3, origin), 2)], 2n);
    const since = Date.now();
    await notify(ctx, stream);
    const key = hex(origin);
    const rounds = () =>
      ctx.peer
        .requests("Reconcile", since)
        .filter(
          (r) => hex((r.req as { stream?: StreamId }).stream?.origin ?? new Uint8Array()) === key,
        ).length;
    await waitFor(ctx, "a Reconcile of the mismatching stream", () =>
      rounds() > 0 ? true : undefined,
    );
    let last = -1;
    await waitFor(ctx, "the reconcile rounds to end", async () => {
      const n = rounds();
      const quiet = n === last;
      last = n;
      await sleep(500);
      return quiet ? true : undefined;
    });
    if (last > 16) throw new ScenarioFailure(`${last} Reconcile calls for a 2-row difference`);
  },
};

export const noPushRepairs: Scenario = {
  id: "client-no-push-repairs",
  rules: ["EW-7", "PC-4"],
  title:
    "a client ahead of the runner on a stream the runner originates never pushes it the difference; the runner pulls if it wants",
  async run(ctx) {
    const own = create(StreamIdSchema, {
      origin: ctx.peer.deviceId,
      resource: Resource.COLLECTION,
    });
    const changes = [1, 2, 3].map((seq) =>
      create(ChangeSchema, {
        rowId: rowId(seq, freshSalt()),
        seq: BigInt(seq),
        hlc: (BigInt(Date.now()) << 16n) | 1n,
        body: { case: "collection", value: { name: `c${seq}`, description: "" } },
      }),
    );
    ctx.peer.hold(own, changes, 3n);
    const res = await ctx.client.pushChanges(
      {
        libraryId: ctx.peer.library,
        deviceId: ctx.peer.deviceId,
        batches: [ctx.peer.batch(own, changes)],
      },
      { timeoutMs: 5_000 },
    );
    if (res.acks[0]?.status !== AckStatus.APPLIED)
      throw new ScenarioFailure(
        `a push from scratch was acked ${AckStatus[res.acks[0]?.status ?? 0]}, not APPLIED`,
      );
    // The runner now claims less than it pushed: it is "behind".
    ctx.peer.hold(own, changes.slice(0, 1), 1n);
    const since = Date.now();
    await notify(ctx, own);
    await clientWatermark(ctx, own).catch(() => undefined);
    await sleep(Math.min(2_000, ctx.timeoutMs));
    const repairs = ctx.peer
      .requests("PushChanges", since)
      .flatMap((r) => (r.req as PushChangesRequest).batches)
      .filter((b) => b.stream !== undefined && hex(b.stream.origin) === hex(ctx.peer.deviceId));
    if (repairs.length > 0)
      throw new ScenarioFailure(
        `the client pushed ${repairs.length} batch(es) of the runner's own stream back to it`,
      );
  },
};

export const noFingerprintCompareWhilePulling: Scenario = {
  id: "client-no-fingerprint-compare-while-pulling",
  rules: ["EW-4"],
  title:
    "a peer reporting pulling at an equal cursor with another fingerprint is not reconciled with",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    await pulledFirst(ctx, stream, tagsAt(origin, [1, 2]), 2n);
    ctx.peer.hold(stream, [tagChange(rowId(1, origin), 1), tagChange(rowId(3, origin), 2)], 2n, {
      pulling: true,
    });
    const since = Date.now();
    await notify(ctx, stream);
    await sleep(Math.min(2_000, ctx.timeoutMs));
    const key = hex(origin);
    const n = ctx.peer
      .requests("Reconcile", since)
      .filter(
        (r) => hex((r.req as { stream?: StreamId }).stream?.origin ?? new Uint8Array()) === key,
      ).length;
    if (n > 0) throw new ScenarioFailure(`${n} Reconcile call(s) against a pulling peer`);
  },
};

export const rejectsBadDiffReply: Scenario = {
  id: "client-rejects-bad-diff-reply",
  rules: ["RC-9"],
  title:
    "a diff reply offering an item the client holds at the same seq is rejected: the client never fetches that id, and a later honest run repairs the difference",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    const r1 = tagChange(rowId(1, origin), 1);
    await pulledFirst(ctx, stream, [r1, tagChange(rowId(2, origin), 2)], 2n);
    const r3 = tagChange(rowId(3, origin), 2);
    ctx.peer.hold(stream, [r1, r3], 2n, { offerOnce: { id: r1.rowId, seq: 1n } });
    const since = Date.now();
    const wanted = () =>
      ctx.peer
        .requests("Reconcile", since)
        .map((r) => r.req as { stream?: StreamId; wantIds: Uint8Array[] })
        .filter((r) => hex(r.stream?.origin ?? new Uint8Array()) === hex(origin))
        .flatMap((r) => r.wantIds.map(hex));
    await waitFor(
      ctx,
      "the client to fetch the row it really lacks",
      async () => {
        if (wanted().includes(hex(r3.rowId))) return true;
        await notify(ctx, stream).catch(() => undefined);
        return undefined;
      },
      1_000,
    );
    if (wanted().includes(hex(r1.rowId)))
      throw new ScenarioFailure(
        "the client fetched a row it already holds at the offered seq: it accepted an invalid diff reply",
      );
  },
};

export const reconcileReplyWithoutCursorNotHeld: Scenario = {
  id: "client-reconcile-reply-without-cursor-not-held",
  rules: ["RC-4"],
  title:
    "in a full resync, Reconcile replies without a cursor (the responder's 'not held' shape) settle nothing: the client neither adopts the advertised cursor nor forgets its rows",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = create(StreamIdSchema, { origin, resource: Resource.VOLUME });
    const vol = (n: number, seq: number) => volumeChange(rowId(n, origin), seq);
    // Below the horizon: a full resync, whose every Reconcile reply says "not held".
    const { since, before } = await pullThenResync(
      ctx,
      stream,
      { entries: [vol(1, 1), vol(2, 2)], cursor: 2n },
      { entries: [vol(2, 2), vol(3, 5)], cursor: 5n, opts: { reconcileNotHeld: true } },
    );
    let w: Awaited<ReturnType<typeof clientWatermark>>;
    try {
      await waitFor(ctx, "the client to call Reconcile", () =>
        ctx.peer.requests("Reconcile", since).length > 0 ? true : undefined,
      );
      await sleep(Math.min(1_500, ctx.timeoutMs));
      w = await clientWatermark(ctx, stream);
    } finally {
      // A client that retries the failed resync would keep failing (and
      // backing off from the runner) through every later scenario.
      ctx.peer.drop(stream);
    }
    if (w?.cursor !== undefined && w.cursor > 2n)
      throw new ScenarioFailure(
        `the client moved its cursor to ${w.cursor} on Reconcile replies without a cursor: it read "not held" as "every range settled"`,
      );
    if (w?.liveCount !== before.liveCount || hex(w.fingerprint) !== hex(before.fingerprint))
      throw new ScenarioFailure(
        `the client's rows changed (${before.liveCount} -> ${w?.liveCount}) on Reconcile replies without a cursor: it took a need or have from a "not held" reply`,
      );
  },
};

export const reconcilesAfterDeferring: Scenario = {
  id: "client-reconciles-after-deferring",
  rules: ["EW-6"],
  needs: ["reconcileDeferMs"],
  title:
    "equal cursors, different fingerprints, the client holding more: it may defer to the runner, but when the runner never reconciles and shows the same triple again, the client reconciles once its deferral is over",
  async run(ctx) {
    await deferredReconcile(ctx, ctx.timers.reconcileDeferMs ?? 0);
  },
};
