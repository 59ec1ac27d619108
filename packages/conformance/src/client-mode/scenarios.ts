// What a client under test must do when the runner is its peer: each
// scenario scripts the runner's streams, nudges the client (a notice, a
// push) and checks the requests it sends and the cursors it reports.
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { CODED_SYMBOLS_CAPABILITY, fingerprintOf } from "@tidemark/engine";
import type { ReconcileRequest } from "@tidemark/protocol";
import {
  AckStatus,
  type BackfillRequest,
  type Change,
  ChangeSchema,
  type HelloRequest,
  type PushChangesRequest,
  Resource,
  refusedRetryFloorMs,
  type StreamHead,
  type StreamId,
  StreamIdSchema,
} from "@tidemark/protocol";
import {
  backfillAsks,
  clientWatermark,
  freshSalt,
  isStream,
  notify,
  rowId,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  ScenarioNotApplicable,
  sleep,
  tagChange,
  tagStream,
  volumeChange,
  waitFor,
  waitForCursor,
  waitForWatermark,
  withLoopDelay,
} from "./scenario-kit.js";
import { type HoldOptions, hex } from "./scripted-peer.js";
import { HELLOS_AGAIN_AFTER_UNKNOWN_PEER } from "./unknown-peer.js";

/**
 * Lets the client pull `first` (to `firstCursor`), then holds `then` at
 * `cursor` below horizon 4 (with `opts`) and notifies: the client must run a
 * full resync. Returns when that started and the client's watermark before.
 */
async function pullThenResync(
  ctx: ScenarioCtx,
  stream: StreamId,
  first: { readonly entries: Change[]; readonly cursor: bigint },
  then: { readonly entries: Change[]; readonly cursor: bigint; readonly opts?: HoldOptions },
) {
  ctx.peer.hold(stream, first.entries, first.cursor);
  await notify(ctx, stream);
  const before = await waitForCursor(ctx, stream, first.cursor, "the first pull");
  ctx.peer.hold(stream, then.entries, then.cursor, { horizon: 4n, ...then.opts });
  const since = Date.now();
  await notify(ctx, stream);
  return { since, before };
}

/** The full resync ends at `cursor`, reconciled, holding exactly `rows` (latest versions). */
async function expectResyncHolding(
  ctx: ScenarioCtx,
  stream: StreamId,
  since: number,
  cursor: bigint,
  rows: readonly Change[],
  expected: string,
) {
  const w = await waitForCursor(ctx, stream, cursor, "the full resync");
  if (ctx.peer.requests("Reconcile", since).length === 0)
    throw new ScenarioFailure("the client reached the cursor without reconciling");
  const kept = fingerprintOf(rows.map((c) => ({ id: c.rowId, seq: c.seq })));
  if (w.liveCount !== BigInt(rows.length) || hex(w.fingerprint) !== hex(kept))
    throw new ScenarioFailure(
      `after the resync the client holds ${w.liveCount} rows (fingerprint ${hex(w.fingerprint)}); expected ${expected} (${hex(kept)})`,
    );
}

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

/** Headroom over a declared timer for a loaded machine (the call, the pull). */
const TIMER_SLACK_MS = 5_000;

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

/**
 * EW-6: the client holds more rows than the runner at equal cursors, so it
 * may defer; the runner never reconciles and repeats the same triple. The
 * client must reconcile once its deferral is over.
 */
async function deferredReconcile(ctx: ScenarioCtx, defer: number): Promise<void> {
  const stream = tagStream(ctx.peer.newOrigin());
  const rows = [1, 2].map((seq) => tagChange(rowId(seq, stream.origin), seq));
  ctx.peer.hold(stream, rows, 2n);
  await notify(ctx, stream);
  await waitForCursor(ctx, stream, 2n, "the first pull");
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

/**
 * The client's watermark of `stream` once it holds a cursor and is not
 * pulling, read again after a pause (a second pull must not move it).
 */
async function settledWatermark(ctx: ScenarioCtx, stream: StreamId, what: string) {
  const settled = async () =>
    waitForWatermark(ctx, stream, what, (w) => w.cursor !== undefined && w.pulling !== true);
  await settled();
  await sleep(Math.min(1_500, ctx.timeoutMs));
  return settled();
}

/**
 * CU-8: a relay serves a third device's stream (the runner plays both)
 * through seq 3 and claims it holds it through 10; `head` is the head
 * statement it relays. The client's cursor must stay at or below `ceiling`.
 */
async function relayOverclaim(
  ctx: ScenarioCtx,
  head: (stream: StreamId) => StreamHead,
  ceiling: bigint,
  why: string,
) {
  const origin = ctx.peer.newOrigin();
  const stream = tagStream(origin);
  const rows = [1, 2, 3].map((seq) => tagChange(rowId(seq, origin), seq));
  const opts = { head: head(stream) };
  ctx.peer.hold(stream, rows, 10n, opts);
  await notify(ctx, stream);
  const w = await settledWatermark(ctx, stream, "the pull of the relayed stream");
  if ((w.cursor ?? 0n) < 3n)
    throw new ScenarioFailure(`the client settled at ${w.cursor}, below the 3 rows delivered`);
  if ((w.cursor ?? 0n) > ceiling)
    throw new ScenarioFailure(
      `the client's cursor of a third device's stream is ${w.cursor}: the relay claimed 10 and delivered rows through 3; ${why}`,
    );
  return { stream, rows, w };
}

/** The Reconcile requests of `stream` the client sent at or after `since`. */
const reconcileRequestsSince = (ctx: ScenarioCtx, stream: StreamId, since: number) =>
  ctx.peer
    .requests("Reconcile", since)
    .map((r) => r.req as ReconcileRequest)
    .filter(
      (r) =>
        r.stream !== undefined &&
        hex(r.stream.origin) === hex(stream.origin) &&
        r.stream.resource === stream.resource,
    );

const asksSymbols = (r: ReconcileRequest) =>
  r.ranges.some((x) => x.payload.case === "symbolsRequest");
const rangeRounds = (r: ReconcileRequest) =>
  r.ranges.some((x) => x.payload.case === "fingerprint" || x.payload.case === "items");

/** Even seqs 2 … 40: 20 rows (more than a full listing's threshold), holes between. */
const CODED_SEQS = Array.from({ length: 20 }, (_, k) => 2 * (k + 1));

/**
 * Coded symbols (§7.9): the client pulls 20 rows, then the runner holds
 * one more at a hole seq below the same cursor (bent by `symbols`): equal
 * cursors, the client holding fewer, so it reconciles (EW-3), with coded
 * symbols when it uses them. Ends when the client holds what the runner
 * does; returns the Reconcile requests it sent.
 */
async function codedMismatch(ctx: ScenarioCtx, symbols: HoldOptions["symbols"]) {
  const origin = ctx.peer.newOrigin();
  const stream = tagStream(origin);
  const rows = CODED_SEQS.map((seq, k) => tagChange(rowId(k + 1, origin), seq));
  ctx.peer.hold(stream, rows, 40n);
  await notify(ctx, stream);
  await waitForCursor(ctx, stream, 40n, "the first pull");
  const extra = tagChange(rowId(100, origin), 39);
  ctx.peer.hold(stream, [...rows, extra], 40n, { ...(symbols === undefined ? {} : { symbols }) });
  const since = Date.now();
  await notify(ctx, stream);
  const target = ctx.peer.watermark(stream);
  // Room for a fallback's range rounds after the symbols, on a loaded machine.
  const patient = { ...ctx, timeoutMs: Math.max(ctx.timeoutMs, 10_000) };
  let equal = false;
  try {
    await waitFor(
      patient,
      "the client to fetch the row it lacks",
      async () => {
        const w = await clientWatermark(ctx, stream).catch(() => undefined);
        if (w !== undefined && hex(w.fingerprint) === hex(target.fingerprint)) return true;
        // Unchanged, as a later exchange would show it (nudges a client that deferred).
        await notify(ctx, stream).catch(() => undefined);
        return undefined;
      },
      1_000,
    );
    equal = true;
  } catch (err) {
    if (!(err instanceof ScenarioFailure)) throw err;
  } finally {
    // In sync again, honestly: later scenarios see no standing mismatch.
    ctx.peer.hold(stream, [...rows, extra], 40n);
  }
  const sent = reconcileRequestsSince(ctx, stream, since);
  if (sent.length === 0 && !equal)
    throw new ScenarioFailure(
      "the client never reconciled equal cursors with different fingerprints, the runner holding more (EW-3)",
    );
  if (!sent.some(asksSymbols))
    throw new ScenarioNotApplicable(
      `the client reconciled without coded symbols (${sent.length} Reconcile calls, no symbols_request; the runner announced ${CODED_SYMBOLS_CAPABILITY})`,
    );
  return { sent, equal, extra };
}

/** Symbols the client asked for in `sent` (count 0: the runner's choice, counted as 0). */
const symbolsAsked = (sent: readonly ReconcileRequest[]) =>
  sent
    .flatMap((r) => r.ranges)
    .reduce((n, x) => n + (x.payload.case === "symbolsRequest" ? x.payload.value.count : 0), 0);

export const SCENARIOS: readonly Scenario[] = [
  {
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
  },
  // Second: its backoff must be the client's first (see the scenario).
  HELLOS_AGAIN_AFTER_UNKNOWN_PEER,
  {
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
        throw new ScenarioFailure(
          `the first Backfill asked after_seq ${first.afterSeq}, not absent`,
        );
      if (hex(w.fingerprint) !== hex(ctx.peer.watermark(stream).fingerprint) || w.liveCount !== 5n)
        throw new ScenarioFailure(
          `equal cursors, different state: client live ${w.liveCount} fp ${hex(w.fingerprint)}`,
        );
    },
  },
  {
    id: "client-reconciles-on-mismatch",
    rules: ["EW-3", "CU-1"],
    title:
      "equal cursors with different fingerprints and equal counts make the client reconcile, whatever the counts say; its rounds end",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      ctx.peer.hold(stream, [tagChange(rowId(1, origin), 1), tagChange(rowId(2, origin), 2)], 2n);
      await notify(ctx, stream);
      await waitForCursor(ctx, stream, 2n, "the first pull");
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
  },
  {
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
  },
  {
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
  },
  {
    id: "client-resumes-after-failed-call",
    rules: ["BF-7"],
    title:
      "a Backfill that fails after its first page (seqs 1 and 3: seq 2 was superseded) is resumed after that page's last seq, not from the start nor past it",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      // A hole in the first page keeps the pull unfinished after the failure
      // (gap-free, it would end at its last seq: CU-5), so the retry resumes it.
      const changes = [1, 3, 4, 5, 6, 7].map((seq) => tagChange(rowId(seq, origin), seq));
      ctx.peer.hold(stream, changes, 7n, { failAfterPages: 1 });
      await notify(ctx, stream);
      await waitForCursor(ctx, stream, 7n, "the resumed pull");
      const asks = backfillAsks(ctx, stream).map((s) => s.afterSeq);
      if (asks.length < 2 || asks[1] !== 3n)
        throw new ScenarioFailure(
          `after_seq of the Backfills: ${asks.map(String).join(", ")}; the retry must ask after 3`,
        );
    },
  },
  {
    id: "client-clamps-overclaim",
    // CU-6: another origin's stream, finished at most at max(delivered, advertised cursor, horizon).
    rules: ["BF-8", "CU-3", "CU-6"],
    title:
      "a relay whose last page claims complete_through 10 after serving and advertising 2 is clamped: the client's cursor is 2",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      ctx.peer.hold(stream, [tagChange(rowId(1, origin), 1), tagChange(rowId(2, origin), 2)], 2n, {
        overclaim: 10n,
      });
      await notify(ctx, stream);
      await waitForCursor(ctx, stream, 2n, "the pull to finish at what was delivered");
    },
  },
  {
    id: "client-no-fingerprint-compare-while-pulling",
    rules: ["EW-4"],
    title:
      "a peer reporting pulling at an equal cursor with another fingerprint is not reconciled with",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      ctx.peer.hold(stream, [tagChange(rowId(1, origin), 1), tagChange(rowId(2, origin), 2)], 2n);
      await notify(ctx, stream);
      await waitForCursor(ctx, stream, 2n, "the first pull");
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
  },
  {
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
  },
  {
    id: "client-full-resync-below-horizon",
    rules: ["TB-4", "BF-2", "RC-12", "RC-13", "RC-14", "CU-1"],
    title:
      "a peer whose horizon is above the client's cursor is reconciled with, not pulled: the client adopts its cursor and forgets the device-owned row whose delete was pruned",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = create(StreamIdSchema, { origin, resource: Resource.VOLUME });
      const vol = (n: number, seq: number) => volumeChange(rowId(n, origin), seq);
      ctx.peer.hold(stream, [vol(1, 1), vol(2, 2)], 2n);
      await notify(ctx, stream);
      await waitForCursor(ctx, stream, 2n, "the first pull");
      // v1 deleted at seq 3, its tombstone pruned (horizon 4); v3 written at 5.
      ctx.peer.hold(stream, [vol(2, 2), vol(3, 5)], 5n, { horizon: 4n });
      const since = Date.now();
      await notify(ctx, stream);
      const w = await waitForCursor(ctx, stream, 5n, "the full resync");
      const mine = ctx.peer.watermark(stream);
      if (w.liveCount !== 2n || hex(w.fingerprint) !== hex(mine.fingerprint))
        throw new ScenarioFailure(
          `after the resync the client holds ${w.liveCount} rows (fingerprint ${hex(w.fingerprint)}), expected 2 (${hex(mine.fingerprint)}): the pruned delete was not applied; calls: ${ctx.peer.log
            .filter((r) => r.at >= since)
            .map((r) => r.rpc)
            .join(" ")}`,
        );
      if (ctx.peer.requests("Reconcile", since).length === 0)
        throw new ScenarioFailure("the client reached the cursor without reconciling");
    },
  },
  {
    id: "client-full-resync-restarts-when-responder-moves",
    rules: ["RC-15", "RC-14"],
    title:
      "a full resync whose responder cursor moves between its rounds is not finished at the new cursor with the old differences: the client starts again and ends equal",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = create(StreamIdSchema, { origin, resource: Resource.VOLUME });
      const vol = (n: number, seq: number) => volumeChange(rowId(n, origin), seq);
      ctx.peer.hold(stream, [vol(1, 1), vol(2, 2)], 2n);
      await notify(ctx, stream);
      await waitForCursor(ctx, stream, 2n, "the first pull");
      // Below the horizon: a full resync; v4 lands between its first and second call.
      ctx.peer.hold(stream, [vol(1, 1), vol(2, 2), vol(3, 5)], 5n, {
        horizon: 4n,
        moveBeforeSecondReconcile: {
          entries: [vol(1, 1), vol(2, 2), vol(3, 5), vol(4, 6)],
          cursor: 6n,
        },
      });
      await notify(ctx, stream);
      const w = await waitForWatermark(
        ctx,
        stream,
        "the client to settle on a cursor",
        (x) => x.cursor !== undefined && x.cursor > 2n && x.pulling !== true,
      );
      if (w.cursor === 6n && hex(w.fingerprint) === hex(ctx.peer.watermark(stream).fingerprint))
        return;
      // One more exchange may finish a restarted run; then it must be equal.
      const end = await waitForCursor(ctx, stream, 6n, "the restarted full resync").catch(() => w);
      if (end.cursor !== 6n || hex(end.fingerprint) !== hex(ctx.peer.watermark(stream).fingerprint))
        throw new ScenarioFailure(
          `the client settled at cursor ${end.cursor} with ${end.liveCount} rows (fingerprint ${hex(end.fingerprint)}); the responder holds 4 rows at 6 (${hex(ctx.peer.watermark(stream).fingerprint)})`,
        );
    },
  },
  {
    id: "client-rejects-bad-diff-reply",
    rules: ["RC-9"],
    title:
      "a diff reply offering an item the client holds at the same seq is rejected: the client never fetches that id, and a later honest run repairs the difference",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      const r1 = tagChange(rowId(1, origin), 1);
      ctx.peer.hold(stream, [r1, tagChange(rowId(2, origin), 2)], 2n);
      await notify(ctx, stream);
      await waitForCursor(ctx, stream, 2n, "the first pull");
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
  },
  {
    id: "client-no-finish-below-applied",
    rules: ["CU-5"],
    title:
      "a pull that applied through seq 4 is never finished below it when the source falls back to 3, yet, cut after receiving seqs 1-4 with none missing, ends at 4 with no source holding 4; it finishes once a source holds more",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      const changes = [1, 2, 3, 4, 5, 6].map((seq) => tagChange(rowId(seq, origin), seq));
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
  },
  {
    id: "client-retries-unavailable-without-moving-cursor",
    rules: ["ER-2"],
    title:
      "a Backfill answered unavailable before any page is retried after a pause, after the same seq (no cursor moved), and the pull then finishes",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      const changes = [1, 2, 3].map((seq) => tagChange(rowId(seq, origin), seq));
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
        throw new ScenarioFailure(
          `${calls.length} Backfill call(s): the failed one was not retried`,
        );
      if (asks[1] !== asks[0])
        throw new ScenarioFailure(
          `the retry asked after ${asks[1]}, the failed call after ${asks[0]}: a transport failure moved the cursor`,
        );
      // "With backoff": not retried at once (the kit asks for a pause of at least RETRY_PAUSE_MS).
      const gap = (calls[1]?.at ?? 0) - (calls[0]?.at ?? 0);
      if (gap < RETRY_PAUSE_MS)
        throw new ScenarioFailure(`retried ${gap} ms after the failure: no backoff`);
    },
  },
  {
    id: "client-distrusts-out-of-order-pages",
    rules: ["BF-7"],
    title:
      "a Backfill whose second page goes back below its first (pages out of order) voids the call: the retry asks after where that call started, never past the rows it skipped, and the pull ends holding every row",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      const changes = [1, 2, 3, 4, 5, 6].map((seq) => tagChange(rowId(seq, origin), seq));
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
  },
  {
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
  },
  {
    id: "client-full-resync-keeps-newer-row",
    rules: ["RC-16"],
    title:
      "in a full resync, a row the client holds at seq 3 and the responder at seq 1 (below its cursor 5: divergence) keeps the client's version",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = create(StreamIdSchema, { origin, resource: Resource.VOLUME });
      const vol = (n: number, seq: number) => volumeChange(rowId(n, origin), seq);
      // The responder then holds v1 at seq 1 only (diverged), v3 new at 5.
      const { since } = await pullThenResync(
        ctx,
        stream,
        { entries: [vol(1, 3), vol(2, 2)], cursor: 3n },
        { entries: [vol(1, 1), vol(2, 2), vol(3, 5)], cursor: 5n },
      );
      await expectResyncHolding(
        ctx,
        stream,
        since,
        5n,
        [vol(1, 3), vol(2, 2), vol(3, 5)],
        "v1 kept at its newer seq 3, v2 at 2, v3 at 5",
      );
    },
  },
  {
    id: "client-full-resync-keeps-undecidable-shared-row",
    rules: ["RC-17"],
    title:
      "in a full resync below a horizon, a shared row (a tag) the client holds and the responder lacks cannot be decided: the client keeps it",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      const tag = (n: number, seq: number) => tagChange(rowId(n, origin), seq);
      const [t1, t2, t3] = [tag(1, 1), tag(2, 2), tag(3, 5)];
      // The responder then lacks t1 (a pruned delete, or never held): shared rows are not forgotten.
      const { since } = await pullThenResync(
        ctx,
        stream,
        { entries: [t1, t2], cursor: 2n },
        { entries: [t2, t3], cursor: 5n },
      );
      await expectResyncHolding(
        ctx,
        stream,
        since,
        5n,
        [t1, t2, t3],
        "the shared row the responder lacks kept beside the two it holds",
      );
    },
  },
  {
    id: "client-bounds-relay-claim-by-signed-head",
    rules: ["CU-8"],
    title:
      "a relay serves a third device's stream through seq 3, claims 10 and relays that device's signed head at 6: the client's cursor ends between 3 and 6, never at the relay's word",
    async run(ctx) {
      await relayOverclaim(
        ctx,
        (stream) => ctx.peer.signedHead(stream, 6n),
        6n,
        "its origin signed a head at 6 only (CU-8 bounds the cursor there)",
      );
    },
  },
  {
    id: "client-believes-only-signed-heads",
    rules: ["SG-10", "CU-8"],
    title:
      "a head at 10 signed by a key other than its origin's is not believed (the cursor stays at the 3 rows delivered) nor relayed; a head the origin signed at 8 is kept and relayed unchanged in the client's watermark",
    async run(ctx) {
      const { stream, rows, w } = await relayOverclaim(
        ctx,
        (s) => ctx.peer.forgedHead(s, 10n),
        3n,
        "the only head at 10 was signed by another key than its origin's (SG-10: not believed)",
      );
      if (w.head !== undefined && w.head.seq > 3n)
        throw new ScenarioFailure(
          `the client relays a head at ${w.head.seq} its origin never signed (SG-10: a head that does not verify is not kept)`,
        );
      const signed = ctx.peer.signedHead(stream, 8n);
      ctx.peer.hold(stream, rows, 10n, { head: signed });
      await notify(ctx, stream);
      const kept = await waitForWatermark(
        ctx,
        stream,
        "the client to relay the verified head at 8 in its watermark",
        (x) => x.head?.seq === 8n,
      ).catch((err: unknown) => {
        if (!(err instanceof ScenarioFailure)) throw err;
        throw new ScenarioFailure(
          `the client never relayed the head its origin signed at 8 (SG-10: keep the highest verified head and send it in the watermark): ${err.message}`,
        );
      });
      if (hex(kept.head?.signature ?? new Uint8Array()) !== hex(signed.signature))
        throw new ScenarioFailure(
          "the client relays the head at 8 with another signature: not unchanged",
        );
      if ((kept.cursor ?? 0n) > 8n)
        throw new ScenarioFailure(
          `the client's cursor is ${kept.cursor}, above the signed head at 8`,
        );
    },
  },
  {
    id: "client-rejects-false-decode",
    rules: ["RC-26", "RC-27"],
    title:
      "coded symbols that decode to a row the runner does not hold, under the fingerprint of what it does hold, are refuted by the fingerprint check: the client never asks for that row and falls back to range rounds, which find the row it lacks",
    async run(ctx) {
      const fake = { id: rowId(200, freshSalt()), seq: 37n };
      const { sent, equal } = await codedMismatch(ctx, { kind: "false-decode", extra: fake });
      const wanted = sent.flatMap((r) => r.wantIds.map(hex));
      if (wanted.includes(hex(fake.id)))
        throw new ScenarioFailure(
          "the client asked for a row only a false decode named: it used a decoded difference that fails the fingerprint check (RC-26)",
        );
      const first = sent.findIndex(asksSymbols);
      if (!sent.slice(first + 1).some(rangeRounds))
        throw new ScenarioFailure(
          `after the refuted decode the client sent no range rounds (${sent.length} Reconcile calls): no fallback (RC-27)`,
        );
      if (!equal)
        throw new ScenarioFailure(
          "the client never fetched the row it lacks after the refuted decode: the fallback did not repair the difference",
        );
    },
  },
  {
    id: "client-falls-back-from-undecodable-symbols",
    rules: ["RC-27"],
    title:
      "coded symbols that never decode: the client stops asking for symbols after a bounded number and reconciles by range rounds, which find the row it lacks",
    async run(ctx) {
      const { sent, equal } = await codedMismatch(ctx, { kind: "never-decode" });
      const asked = symbolsAsked(sent);
      const last = sent.map(asksSymbols).lastIndexOf(true);
      if (!sent.slice(last + 1).some(rangeRounds))
        throw new ScenarioFailure(
          `the client asked for ${asked} symbols in ${sent.filter(asksSymbols).length} requests that never decode and never fell back to range rounds (RC-27)`,
        );
      if (!equal)
        throw new ScenarioFailure(
          `after ${asked} undecodable symbols and range rounds the client still lacks the row the runner holds`,
        );
    },
  },
  {
    id: "client-repeats-refused-backfill-on-growing-backoff",
    rules: ["ER-3", "ER-1"],
    title:
      "a Backfill refused permission_denied with a reason the client does not know is never repeated unchanged at once nor at a fixed interval: each repeat waits at least ER-3's doubling floor (500 ms, 1 s, 2 s, …), counted afresh after a call for other data",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      const rows = [tagChange(rowId(1, origin), 1)];
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
          const since = asks
            .slice(0, i)
            .filter((a) => a.afterSeq === ask.afterSeq && a.at > restart);
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
  },
  // Last of the untimed ones: a client failing it may loop on the runner
  // and back off, which must not spill into the scenarios above.
  {
    id: "client-ends-range-on-skip",
    rules: ["RC-29"],
    title:
      "a full resync of a stream the client already holds equally: the runner answers the client's symbols_request with a skip (equal fingerprints), and the client ends the range there (no further Reconcile request of the run) and adopts the cursor",
    async run(ctx) {
      const origin = ctx.peer.newOrigin();
      const stream = tagStream(origin);
      const rows = CODED_SEQS.map((seq, k) => tagChange(rowId(k + 1, origin), seq));
      // Below the horizon: a full resync, of sets already equal. The head
      // its origin signed lets the client adopt the relay's cursor (CU-8).
      const head = ctx.peer.signedHead(stream, 50n);
      // Patient: after the refusal scenario, whose backoff may delay the first pull.
      const patient = { ...ctx, timeoutMs: Math.max(ctx.timeoutMs, 30_000) };
      const { since } = await pullThenResync(
        patient,
        stream,
        { entries: rows, cursor: 40n },
        { entries: rows, cursor: 50n, opts: { horizon: 45n, head } },
      );
      await waitForCursor(ctx, stream, 50n, "the full resync to adopt the runner's cursor")
        .finally(() => ctx.peer.drop(stream))
        .catch((err: unknown) => {
          if (!(err instanceof ScenarioFailure)) throw err;
          const n = reconcileRequestsSince(ctx, stream, since).length;
          throw new ScenarioFailure(`${err.message}; ${n} Reconcile calls of the stream`);
        });
      const sent = reconcileRequestsSince(ctx, stream, since);
      const first = sent.findIndex(asksSymbols);
      if (first < 0)
        throw new ScenarioNotApplicable(
          `the client ran the full resync without coded symbols (${sent.length} Reconcile calls)`,
        );
      if (sent.length > first + 1)
        throw new ScenarioFailure(
          `after the skip answer the client sent ${sent.length - first - 1} more Reconcile request(s) for the stream (${sent
            .slice(first + 1)
            .map((r) => r.ranges.map((x) => x.payload.case).join("+") || "want_ids")
            .join(", ")}): a skip ends the range's exchange (RC-29)`,
        );
    },
  },
  // Late: the refused client backs off, which would slow the first pull
  // of any scenario after it.
  {
    id: "client-pulls-stream-a-notice-left-out",
    rules: ["NT-1"],
    needs: ["exchangeIntervalMs"],
    title:
      "two streams grow and a notice lists one: the client pulls both, the unlisted one by its next periodic exchange (the runner calls nothing meanwhile)",
    async run(ctx) {
      await unlistedGrowth(ctx, ctx.timers.exchangeIntervalMs ?? 0);
    },
  },
  {
    id: "client-reconciles-after-deferring",
    rules: ["EW-6"],
    needs: ["reconcileDeferMs"],
    title:
      "equal cursors, different fingerprints, the client holding more: it may defer to the runner, but when the runner never reconciles and shows the same triple again, the client reconciles once its deferral is over",
    async run(ctx) {
      await deferredReconcile(ctx, ctx.timers.reconcileDeferMs ?? 0);
    },
  },
];
