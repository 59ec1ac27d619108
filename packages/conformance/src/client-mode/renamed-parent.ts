// RF-5 from the client side: a stream serves each row's latest version in
// seq order, so directories renamed after their children come after them;
// with more children than the client's dependency buffer holds, the client
// must still finish the pull from an honest source (PROTOCOL.md §3.6).
// The bound comes from TestControl Info, so a client with any bound runs
// it; how the client gets the parents (by id, a re-pull) is its own choice.
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import {
  type Change,
  ChangeSchema,
  EntryKind,
  type ReconcileRequest,
  Resource,
  type StreamId,
  StreamIdSchema,
} from "@tidemark/protocol";
import type { ControlClient } from "../control/harness.js";
import {
  ROUND_ALLOWANCE_MS,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  ScenarioSkipped,
} from "./scenario-kit.js";
import { hex } from "./scripted-peer.js";

/** Past this bound the scenario would serve thousands of rows in 2-change pages: skipped. */
export const MAX_FILLED_BOUND = 1_000;
/** The whole wait: this many scenario timeouts, plus a share per row served (a big bound takes many pages). */
const STALL_FACTOR = 4;
const MS_PER_ROW = 25;
/** The whole wait, backoff included: this many caps (ER-3 backoff may reach a minute). */
const BACKOFF_ALLOWANCE = 4;
const POLL_MS = 250;

type Tree = {
  readonly streams: { volume: StreamId; location: StreamId; entry: StreamId };
  readonly entries: Change[];
  readonly cursor: bigint;
};

const id16 = () => new Uint8Array(randomBytes(16));

function entry(
  id: Uint8Array,
  seq: number,
  locationId: Uint8Array,
  parentId: Uint8Array | undefined,
  name: string,
  kind: EntryKind,
): Change {
  return create(ChangeSchema, {
    rowId: id,
    seq: BigInt(seq),
    body: {
      case: "entry",
      value: {
        locationId,
        ...(parentId === undefined ? {} : { parentId }),
        name,
        kind,
        size: kind === EntryKind.FILE ? 1n : 0n,
        modifiedAtMs: 0n,
      },
    },
  });
}

/**
 * A third device's location: a root, then `children` files in directory
 * `inner`, then `inner` moved into `outer`, then `outer` renamed — each
 * directory's only version served after every child (a chain of two
 * awaited parents). Held by the runner, signed by that device.
 */
function holdRenamedTree(ctx: ScenarioCtx, children: number): Tree {
  const origin = ctx.peer.newOrigin();
  const stream = (resource: Resource) => create(StreamIdSchema, { origin, resource });
  const streams = {
    volume: stream(Resource.VOLUME),
    location: stream(Resource.LOCATION),
    entry: stream(Resource.ENTRY),
  };
  const [vol, loc, root, inner, outer] = [id16(), id16(), id16(), id16(), id16()];
  ctx.peer.hold(
    streams.volume,
    [
      create(ChangeSchema, {
        rowId: vol,
        seq: 1n,
        body: {
          case: "volume",
          value: { name: "rf5", mountPoint: "/", capacityBytes: 1n, filesystem: "ext4" },
        },
      }),
    ],
    1n,
  );
  ctx.peer.hold(
    streams.location,
    [
      create(ChangeSchema, {
        rowId: loc,
        seq: 1n,
        body: { case: "location", value: { volumeId: vol, path: "/photos", name: "photos" } },
      }),
    ],
    1n,
  );
  const entries = [entry(root, 1, loc, undefined, "photos", EntryKind.DIRECTORY)];
  for (let i = 0; i < children; i++)
    entries.push(entry(id16(), 2 + i, loc, inner, `img-${i}.jpg`, EntryKind.FILE));
  entries.push(entry(inner, children + 2, loc, outer, "2026-moved", EntryKind.DIRECTORY));
  entries.push(entry(outer, children + 3, loc, root, "trips-renamed", EntryKind.DIRECTORY));
  const cursor = BigInt(children + 3);
  ctx.peer.hold(streams.entry, entries, cursor);
  return { streams, entries, cursor };
}

const sameStream = (a: StreamId, b: { origin: Uint8Array; resource: Resource } | undefined) =>
  b !== undefined && hex(a.origin) === hex(b.origin) && a.resource === b.resource;

/** The client's watermark of `stream` as TestControl reports it (no SyncService call). */
async function controlWatermark(control: ControlClient, stream: StreamId) {
  const res = await control.watermarks({}, { timeoutMs: 5_000 });
  return res.watermarks.find((w) => sameStream(stream, w.stream));
}

/** Of `tree`'s entries, those the client shows as visible rows at the served seq. */
async function entriesApplied(control: ControlClient, tree: Tree): Promise<number> {
  const res = await control.rows({ resource: Resource.ENTRY }, { timeoutMs: 5_000 });
  const origin = hex(tree.streams.entry.origin);
  const seen = new Map(
    res.rows.filter((r) => hex(r.origin) === origin).map((r) => [hex(r.id), r.seq]),
  );
  return tree.entries.filter((c) => seen.get(hex(c.rowId)) === c.seq).length;
}

/** Of `tree`'s entries, those the client holds at the served seq, applied or waiting for a parent. */
async function entriesHeld(control: ControlClient, tree: Tree): Promise<number> {
  const { origin, resource } = tree.streams.entry;
  const res = await control.entries({ stream: { origin, resource } }, { timeoutMs: 5_000 });
  const seen = new Map(res.entries.map((r) => [hex(r.id), r.seq]));
  return tree.entries.filter((c) => seen.get(hex(c.rowId)) === c.seq).length;
}

/**
 * How far the client got: its rows of the stream held (applied or waiting
 * for a parent) plus those visible, so a change counts once when it
 * arrives and once more when its parent lets it in.
 */
async function progressOf(control: ControlClient, tree: Tree): Promise<number> {
  // Each alone: a failed call only hides its half of the progress.
  const held = await entriesHeld(control, tree).catch(() => 0);
  return held + (await entriesApplied(control, tree).catch(() => 0));
}

/**
 * The client's failed calls to the runner since its last success
 * (TestControl Peers), or 0 when it does not say. An earlier scenario's
 * failure can still be repeating, so the client backs off mid-pull.
 */
async function failuresWith(control: ControlClient, runner: Uint8Array): Promise<number> {
  const res = await control.peers({}, { timeoutMs: 5_000 }).catch(() => undefined);
  const id = hex(runner);
  return res?.peers.find((p) => hex(p.deviceId) === id)?.consecutiveFailures ?? 0;
}

/**
 * Polls until the entry stream's pull finished at its cursor. A client
 * that makes no progress for `stallMs` once it has called the runner has
 * stalled (a loaded machine only slows progress down; before its first
 * call it may still be backing off from an earlier scenario). Time it
 * spends backing off after a failure (ER-3 lets a wait grow past
 * `stallMs`) counts neither as stalled nor toward `capMs`, which bounds
 * the rest; `BACKOFF_ALLOWANCE` × `capMs` bounds the whole wait. Returns
 * the ms waited, or undefined when it stalled or ran out of time.
 */
async function finished(
  control: ControlClient,
  tree: Tree,
  progress: { calls: () => number; runner: Uint8Array },
  stallMs: number,
  capMs: number,
): Promise<number | undefined> {
  const { calls, runner } = progress;
  const t0 = Date.now();
  let best = -1;
  // Quiet and active time counted in polling rounds, as waitFor counts: a
  // starved runner's long rounds count as one round each, not as the client's.
  let quiet = 0;
  let active = 0;
  let last = t0;
  for (;;) {
    const w = await controlWatermark(control, tree.streams.entry).catch(() => undefined);
    if (w?.cursor === tree.cursor && !w.pulling) return Date.now() - t0;
    // Each call of the runner counts too: a client still asking is not stalled.
    const now = (await progressOf(control, tree)) + calls();
    const backingOff = (await failuresWith(control, runner)) > 0;
    const at = Date.now();
    const round = backingOff ? 0 : Math.min(at - last, POLL_MS + ROUND_ALLOWANCE_MS);
    active += round;
    quiet = now > best ? 0 : quiet + round;
    best = Math.max(best, now);
    last = at;
    const stalled = calls() > 0 && quiet > stallMs;
    if (stalled || active > capMs || at - t0 > BACKOFF_ALLOWANCE * capMs) return undefined;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** What the client did instead of finishing, for the failure message. */
async function stallReport(ctx: ScenarioCtx, control: ControlClient, tree: Tree, since: number) {
  const w = await controlWatermark(control, tree.streams.entry).catch(() => undefined);
  const applied = await entriesApplied(control, tree).catch(() => undefined);
  const held = await entriesHeld(control, tree).catch(() => undefined);
  const asks = ctx.peer
    .requests("Reconcile", since)
    .map((r) => r.req as ReconcileRequest)
    .filter((r) => r.stream !== undefined && sameStream(tree.streams.entry, r.stream));
  const byId = asks.filter((r) => r.wantIds.length > 0).length;
  const backfills = ctx.peer.requests("Backfill", since).length;
  const failures = await failuresWith(control, ctx.peer.deviceId);
  return [
    `cursor ${w?.cursor ?? "none"}${w?.pulling === true ? ", still pulling" : ""}`,
    `${applied ?? "?"} of ${tree.entries.length} entries visible`,
    `${held === undefined || applied === undefined ? "?" : held - applied} held but not visible (waiting for a parent)`,
    `${backfills} Backfill calls and ${byId} Reconcile want_ids asks of the runner`,
    ...(failures > 0 ? [`${failures} failed calls to the runner since its last success`] : []),
  ].join("; ");
}

async function pullPastRenamedParents(ctx: ScenarioCtx): Promise<void> {
  const control = ctx.control;
  if (control === undefined)
    throw new ScenarioSkipped(
      "needs TestControl (give --control URL): the client's dependency buffer bound comes from Info",
    );
  const info = await control.info({}, { timeoutMs: 5_000 });
  const bound = info.dependencyBufferMaxPerOrigin;
  if (bound === 0)
    throw new ScenarioSkipped(
      "the client reports no dependency buffer bound (TestControl Info dependency_buffer_max_per_origin)",
    );
  if (bound > MAX_FILLED_BOUND)
    throw new ScenarioSkipped(
      `the client's dependency buffer holds ${bound} changes per origin; start it with a bound of at most ${MAX_FILLED_BOUND} (node-peer: serve --dependency-buffer-max 16)`,
    );
  // Twice the bound and more: the buffer fills whatever the client counts.
  const children = 2 * bound + 8;
  const since = Date.now();
  const tree = holdRenamedTree(ctx, children);
  const { volume, location, entry: entries } = tree.streams;
  await ctx.client.notifyDataAvailable(
    {
      libraryId: ctx.peer.library,
      deviceId: ctx.peer.deviceId,
      watermarks: [volume, location, entries].map((s) => ctx.peer.watermark(s)),
    },
    { timeoutMs: 5_000 },
  );
  const cap = STALL_FACTOR * ctx.timeoutMs + MS_PER_ROW * tree.entries.length;
  const calls = () =>
    ctx.peer.requests("Backfill", since).length + ctx.peer.requests("Reconcile", since).length;
  const progress = { calls, runner: ctx.peer.deviceId };
  if ((await finished(control, tree, progress, ctx.timeoutMs, cap)) === undefined)
    throw new ScenarioFailure(
      `the client never finished pulling a stream whose two renamed directories come after ${children} children (its dependency buffer holds ${bound}): no progress for ${ctx.timeoutMs} ms after its first call (or ${cap} ms in all, not counting its backoff after failures); ${await stallReport(ctx, control, tree, since)} (RF-5: a receiver must finish such a pull from an honest source, e.g. by asking for the awaited parents by id)`,
    );
  const applied = await entriesApplied(control, tree);
  if (applied !== tree.entries.length)
    throw new ScenarioFailure(
      `the client's cursor reached ${tree.cursor} but only ${applied} of the ${tree.entries.length} entries served are visible rows at their seq (RF-5: the pull finishes holding every row)`,
    );
}

export const RENAMED_PARENT_SCENARIOS: readonly Scenario[] = [
  {
    id: "client-finishes-pull-past-renamed-parents",
    rules: ["RF-5"],
    title:
      "a third device's entry stream serves twice the client's dependency buffer bound (TestControl Info) of children before their directory and its parent, both renamed after them: the client finishes the pull from this honest runner, by any means, and shows every row",
    run: pullPastRenamedParents,
  },
];
