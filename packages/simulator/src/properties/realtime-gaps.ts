// realtime-gaps-at-rest: after realtime-at-rest, on one fast pair a -> b,
// the two ways a push goes wrong on a good link (PROTOCOL §8.2):
// - reordered: a's push of one edit reaches b 2 ms after its push of the
//   next edit. b holds the later batch for the gap, then the earlier one
//   fills it: both must be applied from the pushes, with no pull asked
//   (a round trip to a takes longer than 2 ms, so nothing is missing
//   by the time an exchange could tell);
// - lost: a's push of one edit never arrives and the next one does. The
//   gap it reveals must be pulled at once, so both edits are on b within
//   the settle time, long before the periodic exchange would find them.
// Convergence alone sees neither: a periodic exchange repairs both later.
import {
  type BackfillRequest,
  HLC_MAX_OFFSET_MS,
  type ReconcileRequest,
  type StreamId,
} from "@tidemark/protocol";
import type { TapInfo, Verdict } from "../network/network.js";
import type { SimWorld } from "../world.js";
import type { PropertyFailure } from "./property.js";
import { commitRows, fastPairs, notApplied, type Pair, type Written } from "./realtime-rest.js";
import { wireStreamKey } from "./short-key.js";

const NAME = "realtime-gaps-at-rest";
/** Virtual ms for pushes to be applied (or a gap pulled) after the second edit. */
const SETTLE_MS = 2_000;
/** How much later than the next push the reordered one arrives. */
const BEHIND_MS = 2;

/** A Backfill or Reconcile request naming one of `streams`. */
function asksFor(m: TapInfo, streams: ReadonlySet<string>): boolean {
  const named = (s: StreamId | undefined) => s !== undefined && streams.has(wireStreamKey(s));
  if (m.rpc === "Backfill")
    return (m.message() as BackfillRequest).streams.some((x) => named(x.stream));
  if (m.rpc === "Reconcile") return named((m.message() as ReconcileRequest).stream);
  return false;
}

const isPush = (m: TapInfo, { a, b }: Pair) =>
  m.rpc === "PushChanges" && m.part === "req" && m.from === a.index && m.to === b.index;

export async function realtimeGapsAtRest(
  world: SimWorld,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  const pair = fastPairs(world)[0];
  if (pair === undefined) return undefined;
  world.emit("phase", { name: NAME });
  try {
    return (await reordered(world, pair, progress)) ?? (await lost(world, pair, progress));
  } finally {
    world.steer = undefined;
  }
}

/** Two edits a window apart; `steer` decides the fate of a's pushes to b meanwhile. */
async function twoEdits(
  world: SimWorld,
  { a, b }: Pair,
  steer: (m: TapInfo) => Verdict | undefined,
  progress: (until: number) => Promise<unknown>,
): Promise<{ written: Written; pushes: number; repairs: number[] } | undefined> {
  const windowMs = Number(world.scenario.config?.realtimeFlushMs ?? 50);
  let pushes = 0;
  const repairs: number[] = [];
  const streams = new Set<string>();
  world.steer = (m) => {
    if (m.from === b.index && m.part === "req" && asksFor(m, streams))
      repairs.push(world.sched.now);
    if (!isPush(m, { a, b })) return undefined;
    pushes++;
    return steer(m);
  };
  const first = await commitRows(world, a, 1, "gap-first");
  for (const k of first.heads.keys()) streams.add(k);
  await progress(world.sched.now + windowMs + 5);
  const second = await commitRows(world, a, 1, "gap-second");
  await progress(world.sched.now + SETTLE_MS);
  world.steer = undefined;
  const maxOffset = Number(world.scenario.config?.hlcMaxOffsetMs ?? HLC_MAX_OFFSET_MS);
  const written: Written = {
    keys: [...first.keys, ...second.keys],
    heads: new Map([...first.heads, ...second.heads]),
    hlcMs: Math.max(first.hlcMs, second.hlcMs),
  };
  // Unconfirmed own streams are not pushed; far-ahead changes are held by rule (§12).
  if (first.keys.length === 0 || second.keys.length === 0) return undefined;
  if (written.hlcMs > b.clock.now() + maxOffset - 2 * SETTLE_MS) return undefined;
  return { written, pushes, repairs };
}

async function reordered(
  world: SimWorld,
  pair: Pair,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  let firstArrives: number | undefined;
  const done = await twoEdits(
    world,
    pair,
    () => {
      // The first push is held back; the second is timed to arrive just before it.
      if (firstArrives === undefined) {
        firstArrives = world.sched.now + 1_000;
        return { delayMs: 1_000 };
      }
      const at = firstArrives - BEHIND_MS - world.sched.now;
      return at >= 0 ? { delayMs: at } : undefined;
    },
    progress,
  );
  if (done === undefined || done.pushes !== 2) return undefined;
  const behind = await notApplied(pair.b, done.written.heads);
  if (behind !== undefined)
    return fail(
      pair,
      `two pushes that arrived ${BEHIND_MS} ms out of order were not applied: ${behind}`,
    );
  const asked = done.repairs;
  if (asked.length > 0)
    return fail(
      pair,
      `two pushes that arrived ${BEHIND_MS} ms out of order were not applied from the pushes: d${pair.b.index} asked for a repair at ${asked.map(Math.round).join(", ")} ms, though the earlier push had filled the gap`,
    );
  return undefined;
}

async function lost(
  world: SimWorld,
  pair: Pair,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  let dropped = false;
  const done = await twoEdits(
    world,
    pair,
    () => {
      if (dropped) return undefined;
      dropped = true;
      return { drop: true };
    },
    progress,
  );
  if (done === undefined || done.pushes !== 2) return undefined;
  const behind = await notApplied(pair.b, done.written.heads);
  if (behind !== undefined)
    return fail(
      pair,
      `a push lost before a later one arrived: the gap was not pulled within ${SETTLE_MS} ms (${behind})`,
    );
  return undefined;
}

function fail({ a, b }: Pair, detail: string): PropertyFailure {
  return {
    property: NAME,
    devices: [a.index, b.index],
    detail: `d${a.index}>d${b.index}: ${detail}`,
  };
}
