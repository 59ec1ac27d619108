// Client scenarios about the full resync below a responder's tombstone
// horizon: it runs, restarts when the responder moves, and keeps what it must.
import { create } from "@bufbuild/protobuf";
import { fingerprintOf } from "@tidemark/engine";
import { type Change, Resource, type StreamId, StreamIdSchema } from "@tidemark/protocol";
import {
  notify,
  pulledFirst,
  rowId,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  tagChange,
  tagStream,
  volumeChange,
  waitForCursor,
  waitForWatermark,
} from "./scenario-kit.js";
import { type HoldOptions, hex } from "./scripted-peer.js";

/**
 * Lets the client pull `first` (to `firstCursor`), then holds `then` at
 * `cursor` below horizon 4 (with `opts`) and notifies: the client must run a
 * full resync. Returns when that started and the client's watermark before.
 */
export async function pullThenResync(
  ctx: ScenarioCtx,
  stream: StreamId,
  first: { readonly entries: Change[]; readonly cursor: bigint },
  then: { readonly entries: Change[]; readonly cursor: bigint; readonly opts?: HoldOptions },
) {
  const before = await pulledFirst(ctx, stream, first.entries, first.cursor);
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

export const fullResyncBelowHorizon: Scenario = {
  id: "client-full-resync-below-horizon",
  rules: ["TB-4", "BF-2", "RC-12", "RC-13", "RC-14", "CU-1"],
  title:
    "a peer whose horizon is above the client's cursor is reconciled with, not pulled: the client adopts its cursor and forgets the device-owned row whose delete was pruned",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = create(StreamIdSchema, { origin, resource: Resource.VOLUME });
    const vol = (n: number, seq: number) => volumeChange(rowId(n, origin), seq);
    await pulledFirst(ctx, stream, [vol(1, 1), vol(2, 2)], 2n);
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
};

export const fullResyncRestartsWhenResponderMoves: Scenario = {
  id: "client-full-resync-restarts-when-responder-moves",
  rules: ["RC-15", "RC-14"],
  title:
    "a full resync whose responder cursor moves between its rounds is not finished at the new cursor with the old differences: the client starts again and ends equal",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = create(StreamIdSchema, { origin, resource: Resource.VOLUME });
    const vol = (n: number, seq: number) => volumeChange(rowId(n, origin), seq);
    await pulledFirst(ctx, stream, [vol(1, 1), vol(2, 2)], 2n);
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
};

export const fullResyncKeepsNewerRow: Scenario = {
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
};

export const fullResyncForgetsPrunedSharedRow: Scenario = {
  id: "client-full-resync-forgets-pruned-shared-row",
  rules: ["RC-13"],
  title:
    "in a full resync below a horizon, a shared row (a tag) the client holds below the horizon and the responder lacks had its delete pruned: the client forgets the origin's version",
  async run(ctx) {
    const origin = ctx.peer.newOrigin();
    const stream = tagStream(origin);
    const tag = (n: number, seq: number) => tagChange(rowId(n, origin), seq);
    const [t1, t2, t3] = [tag(1, 1), tag(2, 2), tag(3, 5)];
    // The responder then lacks t1, seq 1 below its horizon 4: deleted, the tombstone pruned.
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
      [t2, t3],
      "t1 forgotten (its delete pruned), t2 and t3 held",
    );
  },
};
