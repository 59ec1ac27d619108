// periodic-skipped-at-rest: after realtime-gaps-at-rest, on its pair a -> b,
// a edits every third of the realtime activity window for one activity
// window (realtime b sent before has aged out by then) and one periodic
// exchange period after it (a's timer fires once in any such span), each edit pushed to b and applied there. A
// periodic exchange is a catch-up for peers realtime does not keep in step
// (PROTOCOL §4.2 EW-8, engine README: skipped for a peer with healthy
// realtime traffic in the last 30 s): a must send b no ExchangeWatermarks
// meanwhile. Cost only — an exchange too many changes no state, so
// convergence never shows it.
import type { SimWorld } from "../world.js";
import type { PropertyFailure } from "./property.js";
import { commitRows, fastPairs, mergeWritten, notApplied, type Written } from "./realtime-rest.js";

const NAME = "periodic-skipped-at-rest";
/** Virtual ms for an edit's push to be answered. */
const FIRST_ANSWER_MS = 1_000;
/** Longest phase judged (virtual ms): scenarios with very long periods are skipped. */
const MAX_SPAN_MS = 200_000;

export async function periodicSkippedAtRest(
  world: SimWorld,
  progress: (until: number) => Promise<unknown>,
): Promise<PropertyFailure | undefined> {
  const pair = fastPairs(world)[0];
  const config = world.scenario.config ?? {};
  const periodMs = Number(config.periodicExchangeMs ?? 60_000);
  const activeMs = Number(config.realtimeActivityWindowMs ?? 30_000);
  // Judged from when pushes b sent earlier no longer count as activity.
  const judgedFrom = activeMs + FIRST_ANSWER_MS;
  const spanMs = judgedFrom + periodMs;
  if (pair === undefined || spanMs > MAX_SPAN_MS || activeMs < 3_000) return undefined;
  const { a, b } = pair;
  world.emit("phase", { name: NAME });
  const exchanges: number[] = [];
  world.steer = (m) => {
    if (
      m.part === "req" &&
      m.rpc === "ExchangeWatermarks" &&
      m.from === a.index &&
      m.to === b.index
    )
      exchanges.push(world.sched.now);
    return undefined;
  };
  const t0 = world.sched.now;
  const written: Written = { keys: [], heads: new Map(), hlcMs: 0 };
  try {
    for (let t = t0; t < t0 + spanMs; t += activeMs / 3) {
      await progress(t);
      mergeWritten(written, await commitRows(world, a, 1, "periodic"));
    }
    await progress(t0 + spanMs);
  } finally {
    world.steer = undefined;
  }
  // Unconfirmed own streams are not pushed; far-ahead changes are held by rule (§12).
  const maxOffset = Number(config.hlcMaxOffsetMs ?? 300_000);
  if (written.keys.length === 0 || written.hlcMs > b.clock.now() + maxOffset - spanMs)
    return undefined;
  // Realtime that is not healthy (b lacks the edits) may rightly fall back to exchanges.
  if ((await notApplied(b, written.heads)) !== undefined) return undefined;
  const extra = exchanges.filter((t) => t > t0 + judgedFrom);
  if (extra.length === 0) return undefined;
  return {
    property: NAME,
    devices: [a.index, b.index],
    detail: `d${a.index}>d${b.index}: ${extra.length} ExchangeWatermarks sent (at ${extra.map(Math.round).join(", ")} ms) while every ${Math.round(activeMs / 3)} ms an edit was pushed and applied: a periodic exchange is skipped while realtime with the peer is healthy`,
  };
}
