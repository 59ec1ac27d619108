// realtime-at-rest: once the healed world agrees and rests, realtime must
// carry new writes to connected peers by itself (PROTOCOL §8.1). Each live
// device first makes one lone edit: it must be pushed to every connected
// peer within one flush window and applied there soon after, long before
// any periodic exchange would pull it. Then a burst: small commits a few
// ms apart (batched: at most one push per peer per window unless a batch
// is full) and, on the first writer, one commit larger than several pushes
// (chunked, more pushes than may be in flight at once); every change must reach each connected
// peer by push — none left for a pull — and be applied there. Judged only
// between peers on a fast link (a lasting slow link may rightly fall back
// to a pull), from the wire and each replica's watermarks.
import { streamKeyString } from "@tidemark/engine";
import { HLC_MAX_OFFSET_MS, Resource } from "@tidemark/protocol";
import type { SimNode } from "../node.js";
import type { CommittedBatch } from "../probe/types.js";
import { inboundOnly, linked } from "../scenario.js";
import { newRowId } from "../workloads/index-tree.js";
import type { SimWorld } from "../world.js";
import type { PropertyFailure } from "./property.js";
import type { PushSent } from "./realtime.js";

/** Small commits of the burst, and the virtual ms between them. */
const SMALL_COMMITS = 24;
const SMALL_EVERY_MS = 7;
/** Virtual ms after the lone edit, and after the burst, for pushes to be applied. */
const SETTLE_MS = 2_000;
/** Virtual ms a push may leave after its window (a timer turn, handling). */
const SEND_SLACK_MS = 5;
/** Non-full pushes closer than a window that may pass (a race of a timer with a full flush). */
const SPARE_PUSHES = 2;

export type Pair = { readonly a: SimNode; readonly b: SimNode };
/** `${stream}#${seq}` of changes a device committed, and the highest seq per stream. */
export type Written = { keys: string[]; heads: Map<string, bigint>; hlcMs: number };

export async function realtimeAtRest(
  world: SimWorld,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  const pairs = fastPairs(world);
  if (pairs.length === 0) return undefined;
  const windowMs = Number(world.scenario.config?.realtimeFlushMs ?? 50);
  const maxBatch = Number(world.scenario.config?.realtimeMaxBatch ?? 100);
  const writers = [...new Set(pairs.map((p) => p.a))];
  // The lone edit: nothing was pushed for a rest period, so it goes within a window.
  const t0 = world.sched.now;
  const lone = new Map<SimNode, Written>();
  for (const a of writers) lone.set(a, await commitRows(world, a, 1, "lone"));
  await progress(t0 + SETTLE_MS);
  const maxOffset = Number(world.scenario.config?.hlcMaxOffsetMs ?? HLC_MAX_OFFSET_MS);
  // Changes of a writer far ahead of the receiver's clock are held by rule (§12), not applied.
  const held = (w: Written, b: SimNode) => w.hlcMs > b.clock.now() + maxOffset - 2 * SETTLE_MS;
  for (const { a, b } of pairs) {
    const w = lone.get(a) as Written;
    const late = missing(w.keys, sentBetween(world, a, b, t0, t0 + windowMs + SEND_SLACK_MS));
    if (late.length > 0)
      return fail(a, b, `the lone edit ${late[0]} was not pushed within the ${windowMs} ms window`);
    const behind = held(w, b) ? undefined : await notApplied(b, w.heads);
    if (behind !== undefined)
      return fail(a, b, `the lone edit was not applied ${SETTLE_MS} ms later: ${behind}`);
  }
  // The burst: small commits, then one larger than several pushes.
  const t1 = world.sched.now;
  const burst = new Map<SimNode, Written>(
    writers.map((a) => [a, { keys: [], heads: new Map(), hlcMs: 0 }]),
  );
  for (let i = 0; i < SMALL_COMMITS; i++) {
    await progress(t1 + i * SMALL_EVERY_MS);
    for (const a of writers) mergeWritten(burst.get(a), await commitRows(world, a, 1, "burst"));
  }
  // One writer is enough for the large commit (its cost is signing and applying every row).
  // It comes 1 ms after a lone edit opened a window: a full batch still goes at once (§8.1).
  const big = writers[0] as SimNode;
  await progress(world.sched.now + windowMs + SMALL_EVERY_MS);
  mergeWritten(burst.get(big), await commitRows(world, big, 1, "burst"));
  await progress(world.sched.now + 1);
  const tLarge = world.sched.now;
  const large = await commitRows(world, big, 4 * maxBatch + 5, "burst-large");
  mergeWritten(burst.get(big), large);
  const t2 = world.sched.now;
  await progress(t2 + SETTLE_MS);
  for (const { a, b } of pairs) {
    const w = burst.get(a) as Written;
    const pushes = sentBetween(world, a, b, t1, world.sched.now);
    const pulled = (world.pushes.repairsAsked.get(b.index) ?? []).some((t) => t >= t1);
    const unpushed = missing(w.keys, pushes);
    if (unpushed.length > 0 && !pulled)
      return fail(
        a,
        b,
        `${unpushed.length} of the burst's ${w.keys.length} changes never pushed (first ${unpushed[0]}) and no pull asked for them`,
      );
    const behind = held(w, b) ? undefined : await notApplied(b, w.heads);
    if (behind !== undefined)
      return fail(a, b, `the burst was not applied ${SETTLE_MS} ms after it: ${behind}`);
    const firstLarge = pushes.find((p) => p.keys.some((k) => large.keys.includes(k)));
    if (a === big && firstLarge !== undefined && firstLarge.t > tLarge + SEND_SLACK_MS)
      return fail(
        a,
        b,
        `a commit of ${large.keys.length} changes (more than the ${maxBatch}-change flush size) was first pushed ${Math.round(firstLarge.t - tLarge)} ms after it, not at once`,
      );
    const crowded = crowdedPushes(world, a, b, pushes, windowMs, maxBatch);
    if (crowded.length > SPARE_PUSHES)
      return {
        property: "push-batching",
        devices: [a.index, b.index],
        detail: `d${a.index}>d${b.index}: ${crowded.length} pushes of fewer than ${maxBatch} changes came less than a ${windowMs} ms window after the previous one (at most one push per window unless a batch is full, PROTOCOL §8.1; ms: ${crowded.slice(0, 6).join(", ")})`,
      };
  }
  return queuedAfter(writers);
}

/** Nothing may stay queued for a push once the burst settled (the exported outbound-queue gauge). */
async function queuedAfter(writers: readonly SimNode[]): Promise<PropertyFailure | undefined> {
  for (const a of writers) {
    const g = await a.replica?.probe.gauges();
    if (g !== undefined && g.queuedOutbound !== 0)
      return {
        property: "realtime-at-rest",
        detail: `d${a.index}: the outbound queue gauge reads ${g.queuedOutbound} changes ${SETTLE_MS} ms after the last commit (expected 0: every queue flushes within a window)`,
      };
  }
  return undefined;
}

/**
 * Ordered pairs (a pushes to b) of live members the topology links, neither
 * direction slowed for good, b not an inbound-only client of a (a keeps no
 * peer for it), neither one that forgets sessions.
 */
export function fastPairs(world: SimWorld): Pair[] {
  // A peer that forgets sessions refuses pushes and pulls UNKNOWN_PEER now and then.
  const forgetful = new Set(world.scenario.helloRequired?.devices ?? []);
  const live = world.liveMembers().filter((n) => !forgetful.has(n.index));
  const out: Pair[] = [];
  for (const a of live)
    for (const b of live)
      if (
        linked(world.scenario, a.index, b.index) &&
        !inboundOnly(world.scenario, b.index, a.index) &&
        !world.lastingLinks.has(`${a.index}>${b.index}`) &&
        !world.lastingLinks.has(`${b.index}>${a.index}`)
      )
        out.push({ a, b });
  return out;
}

/** Commits `n` new collections on `a` in one transaction (recorded like any workload's). */
export async function commitRows(
  world: SimWorld,
  a: SimNode,
  n: number,
  op: string,
): Promise<Written> {
  const out: Written = { keys: [], heads: new Map(), hlcMs: 0 };
  const probe = a.replica?.probe;
  if (probe === undefined || !a.alive) return out;
  const ctx = world.workContext(a.index, -1);
  const writes = Array.from({ length: n }, (_, i) => ({
    resource: Resource.COLLECTION,
    id: newRowId(ctx),
    fields: { name: `${op}-${i}`, description: `at ${Math.round(world.sched.now)}` },
  }));
  const r = await probe.commit(writes);
  if (r.kind !== "committed") return out;
  world.oracle.record(r.batches);
  world.oracle.noteOwnWrites(r.batches);
  world.emit("work", { dev: a.index, op: `realtime-at-rest ${op}`, n });
  noteWritten(out, r.batches);
  return out;
}

function noteWritten(w: Written, batches: readonly CommittedBatch[]): void {
  for (const b of batches) {
    // Unconfirmed own streams are not pushed (peers pull them once confirmed, §3.7).
    if (b.provisional === true) continue;
    const stream = streamKeyString(b.stream);
    for (const c of b.changes) {
      w.keys.push(`${stream}#${c.seq}`);
      if (c.seq > (w.heads.get(stream) ?? 0n)) w.heads.set(stream, c.seq);
      if (c.hlc !== undefined) w.hlcMs = Math.max(w.hlcMs, Number(c.hlc >> 16n));
    }
  }
}

/** Adds `from`'s changes to `into` (its keys, heads and latest HLC). */
export function mergeWritten(into: Written | undefined, from: Written): void {
  if (into === undefined) return;
  into.keys.push(...from.keys);
  into.hlcMs = Math.max(into.hlcMs, from.hlcMs);
  for (const [s, seq] of from.heads) if (seq > (into.heads.get(s) ?? 0n)) into.heads.set(s, seq);
}

function sentBetween(
  world: SimWorld,
  a: SimNode,
  b: SimNode,
  from: number,
  to: number,
): PushSent[] {
  return (world.pushes.sent.get(`${a.index}>${b.index}`) ?? []).filter(
    (p) => p.t >= from && p.t <= to,
  );
}

function missing(keys: readonly string[], pushes: readonly PushSent[]): string[] {
  const sent = new Set(pushes.flatMap((p) => p.keys));
  return keys.filter((k) => !sent.has(k));
}

/** A stream of `heads` that `b` holds below its head, as text; undefined when b holds them all. */
export async function notApplied(
  b: SimNode,
  heads: ReadonlyMap<string, bigint>,
): Promise<string | undefined> {
  const probe = b.replica?.probe;
  if (probe === undefined) return undefined;
  const cursors = new Map<string, bigint | undefined>();
  for (const w of await probe.watermarks()) cursors.set(streamKeyString(w.stream), w.cursor);
  for (const [stream, head] of heads) {
    const c = cursors.get(stream);
    if (c === undefined || c < head) return `${stream} at ${c ?? "none"} < ${head}`;
  }
  return undefined;
}

/**
 * Pushes of fewer than `maxBatch` changes sent less than a window after the
 * previous push to the same peer, except those sent with a full one (the
 * rest of a full flush) or when an answer came back (a waiting push released).
 */
function crowdedPushes(
  world: SimWorld,
  a: SimNode,
  b: SimNode,
  pushes: readonly PushSent[],
  windowMs: number,
  maxBatch: number,
): string[] {
  const answers = new Set(world.pushes.answered.get(`${a.index}>${b.index}`) ?? []);
  const fullAt = new Set(pushes.filter((p) => p.changes >= maxBatch).map((p) => p.t));
  const out: string[] = [];
  for (let i = 1; i < pushes.length; i++) {
    const p = pushes[i] as PushSent;
    const gap = p.t - (pushes[i - 1] as PushSent).t;
    if (p.changes >= maxBatch || gap >= windowMs - 1 || fullAt.has(p.t) || answers.has(p.t))
      continue;
    out.push(`${Math.round(p.t)} after ${Math.round(gap)}`);
  }
  return out;
}

function fail(a: SimNode, b: SimNode, detail: string): PropertyFailure {
  return {
    property: "realtime-at-rest",
    devices: [a.index, b.index],
    detail: `d${a.index}>d${b.index}: ${detail}`,
  };
}
