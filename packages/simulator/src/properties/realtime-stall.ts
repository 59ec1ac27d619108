// realtime-stall-at-rest: after realtime-gaps-at-rest, on one fast pair
// a -> b (the other direction of the pair it used), every push a sends b
// is lost on the wire: each stays unanswered until the request timeout.
// A demanding user expects three things meanwhile:
// - pushes-in-flight: a keeps at most four pushes unanswered per peer
//   (the engine's promise; more would only pile up behind a dead link);
// - edits made while those pushes hang still reach b well before the
//   request timeout: a stalled realtime path falls back to an exchange,
//   so b pulls (realtime is an optimisation, never the only path, §8.2);
// - a backlog past pendingBufferMax changes (judged where a scenario sets
//   it small) is dropped and replaced by an exchange at once.
// Convergence alone sees none of this: the timeout and a reconnect repair
// everything later.
import type { TapInfo } from "../network/network.js";
import { DEFAULT_CALL_TIMEOUT_MS, type SimWorld } from "../world.js";
import type { PropertyFailure } from "./property.js";
import {
  commitRows,
  fastPairs,
  mergeWritten,
  notApplied,
  type Pair,
  type Written,
} from "./realtime-rest.js";

const NAME = "realtime-stall-at-rest";
/** Unanswered pushes a device may have per peer (the engine README's "at most four"). */
export const PUSHES_IN_FLIGHT_MAX = 4;
/** Edits made while pushes hang: enough that some wait behind the in-flight ones. */
const STALLED_EDITS = PUSHES_IN_FLIGHT_MAX + 2;
/** Virtual ms after the last stalled edit by which b must hold every edit (a timeout is 10 s). */
const STALL_SETTLE_MS = 3_000;
/** Virtual ms after an overflowing commit for its exchange, and for b to hold it. */
const EXCHANGE_SLACK_MS = 5;
const OVERFLOW_SETTLE_MS = 2_000;
/** The phase needs its lost pushes to stay in flight throughout (and leaves the earlier phase's alone). */
const MIN_TIMEOUT_MS = 8_000;
/** Overflow is judged only where the backlog bound is small (its commit is that large). */
const MAX_OVERFLOW_COMMIT = 500;

type Watch = { exchanges: number[] };

export async function realtimeStallAtRest(
  world: SimWorld,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  const pairs = fastPairs(world);
  const first = pairs[0];
  const pair = pairs.find((p) => p.a === first?.b && p.b === first?.a);
  const timeoutMs = Number(world.scenario.config?.requestTimeoutMs ?? 10_000);
  if (pair === undefined || timeoutMs < MIN_TIMEOUT_MS) return undefined;
  world.emit("phase", { name: NAME });
  const watch: Watch = { exchanges: [] };
  world.steer = (m) => steer(m, pair, watch, world.sched.now);
  try {
    return (
      (await stalled(world, pair, watch, progress)) ??
      (await overflow(world, pair, watch, progress)) ??
      engineErrors(world)
    );
  } finally {
    world.steer = undefined;
  }
}

/** Drops every push of a to b; notes a's exchanges with b. */
function steer(m: TapInfo, { a, b }: Pair, watch: Watch, now: number) {
  if (m.part !== "req" || m.from !== a.index || m.to !== b.index) return undefined;
  if (m.rpc === "ExchangeWatermarks") watch.exchanges.push(now);
  return m.rpc === "PushChanges" ? { drop: true } : undefined;
}

async function stalled(
  world: SimWorld,
  pair: Pair,
  watch: Watch,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  const windowMs = Number(world.scenario.config?.realtimeFlushMs ?? 50);
  const written: Written = { keys: [], heads: new Map(), hlcMs: 0 };
  for (let i = 0; i < STALLED_EDITS; i++) {
    if (i > 0) await progress(world.sched.now + windowMs + 5);
    mergeWritten(written, await commitRows(world, pair.a, 1, "stalled"));
  }
  const last = world.sched.now;
  await progress(last + STALL_SETTLE_MS);
  return settled(
    world,
    pair,
    written,
    (behind) =>
      `${STALLED_EDITS} edits made while every push hung: d${pair.b.index} still lacks them ${STALL_SETTLE_MS} ms after the last (${behind}; exchanges at ${times(watch)})`,
  );
}

async function overflow(
  world: SimWorld,
  pair: Pair,
  watch: Watch,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  const max = Number(world.scenario.config?.pendingBufferMax ?? 10_000);
  if (max + 1 > MAX_OVERFLOW_COMMIT) return undefined;
  const t1 = world.sched.now;
  const written = await commitRows(world, pair.a, max + 1, "overflow");
  await progress(t1 + OVERFLOW_SETTLE_MS);
  const replaced = watch.exchanges.some((t) => t >= t1 && t <= t1 + EXCHANGE_SLACK_MS);
  return settled(
    world,
    pair,
    written,
    (behind) =>
      `a dropped backlog of ${max + 1} changes: d${pair.b.index} still lacks it ${OVERFLOW_SETTLE_MS} ms later (${behind})`,
    replaced
      ? undefined
      : `a commit of ${max + 1} changes behind hung pushes (past pendingBufferMax ${max}) was not replaced by an exchange at once (exchanges at ${times(watch)})`,
  );
}

/**
 * The verdict after a phase settles, in order: whether b may be judged,
 * pushes in flight, the phase's own failure (if any), then whether b holds `w`.
 */
async function settled(
  world: SimWorld,
  pair: Pair,
  w: Written,
  lacks: (behind: string) => string,
  failed?: string,
): Promise<PropertyFailure | undefined> {
  if (!judged(world, pair, w)) return undefined;
  const crowded = inFlight(world, pair);
  if (crowded !== undefined) return crowded;
  if (failed !== undefined) return fail(pair, failed);
  const behind = await notApplied(pair.b, w.heads);
  return behind === undefined ? undefined : fail(pair, lacks(behind));
}

/** Whether b may be expected to hold `w`: pushed streams (confirmed), not far ahead of b's clock (§12). */
function judged(world: SimWorld, { b }: Pair, w: Written): boolean {
  const maxOffset = Number(world.scenario.config?.hlcMaxOffsetMs ?? 300_000);
  return w.keys.length > 0 && w.hlcMs <= b.clock.now() + maxOffset - 2 * STALL_SETTLE_MS;
}

/**
 * pushes-in-flight: pushes a sent b within the last request timeout, less
 * the answers a got in that time (a lower bound on those still unanswered).
 */
function inFlight(world: SimWorld, { a, b }: Pair): PropertyFailure | undefined {
  // A call is over at the engine's deadline or the transport's, whichever is first.
  const timeoutMs = Math.min(
    Number(world.scenario.config?.requestTimeoutMs ?? 10_000),
    world.scenario.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
  );
  const since = world.sched.now - timeoutMs;
  const key = `${a.index}>${b.index}`;
  const sent = (world.pushes.sent.get(key) ?? []).filter((p) => p.t > since).length;
  const answered = (world.pushes.answered.get(key) ?? []).filter((t) => t > since).length;
  if (sent - answered <= PUSHES_IN_FLIGHT_MAX) return undefined;
  return {
    property: "pushes-in-flight",
    devices: [a.index, b.index],
    detail: `d${a.index}>d${b.index}: ${sent - answered} pushes unanswered at once (${sent} sent, ${answered} answered within the ${timeoutMs} ms request timeout), more than ${PUSHES_IN_FLIGHT_MAX}`,
  };
}

/** Errors thrown by events during the phase (e.g. a log call a strict logger refuses). */
function engineErrors(world: SimWorld): PropertyFailure | undefined {
  const errors = world.sched.takeErrors();
  if (errors.length === 0) return undefined;
  return {
    property: "no-engine-errors",
    detail: `${errors.length} error(s) thrown by events during ${NAME}; first: ${String(errors[0])}`,
  };
}

const times = (w: Watch) => w.exchanges.map(Math.round).join(", ") || "none";

function fail({ a, b }: Pair, detail: string): PropertyFailure {
  return {
    property: NAME,
    devices: [a.index, b.index],
    detail: `d${a.index}>d${b.index}: ${detail}`,
  };
}
