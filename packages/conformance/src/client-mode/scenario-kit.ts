// What every client scenario is built from: the scenario and context
// types, the verdict errors, waiting with a deadline, the rows and streams
// scenarios hold, and the client's watermarks asked for as a peer would.
import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import {
  type BackfillRequest,
  type Change,
  ChangeSchema,
  Resource,
  type StreamId,
  StreamIdSchema,
  type StreamWatermark,
} from "@tidemark/protocol";
import type { ControlClient } from "../control/harness.js";
import type { SyncClient } from "../transport.js";
import { hex, type ScriptedPeer } from "./scripted-peer.js";

/**
 * Timers the client was started with, as its operator declares them (e.g.
 * node-peer `serve --exchange-interval-ms`): a scenario waiting for one runs
 * only when it is given.
 */
export type ClientTimers = {
  /** The client exchanges watermarks with each peer at least this often (ms). */
  readonly exchangeIntervalMs?: number;
  /** The client keeps deferring an unchanged mismatch at most this long (ms, EW-6). */
  readonly reconcileDeferMs?: number;
};

export type TimerNeed = keyof ClientTimers;

export type ScenarioCtx = {
  readonly peer: ScriptedPeer;
  /** Calls the client's own SyncService (it is a peer too). */
  readonly client: SyncClient;
  readonly timeoutMs: number;
  readonly timers: ClientTimers;
  /** The client's TestControl, when the operator gave one (--control). */
  readonly control?: ControlClient;
};

export type Scenario = {
  readonly id: string;
  readonly rules: readonly string[];
  readonly title: string;
  /** Declared timers it waits for; without them the scenario is skipped. */
  readonly needs?: readonly TimerNeed[];
  run(ctx: ScenarioCtx): Promise<void>;
};

/** Why a scenario cannot run with these timers, or undefined when it can. */
export function missingTimers(s: Scenario, timers: ClientTimers): string | undefined {
  const missing = (s.needs ?? []).filter((n) => timers[n] === undefined);
  if (missing.length === 0) return undefined;
  const flags = missing.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  return `needs the client's ${flags.join(" and ")} (start the client with short timers and give the same values to the runner); with the defaults it would wait over a minute`;
}

export class ScenarioFailure extends Error {}

/** The client never did what the scenario examines (an optional feature it does not use). */
export class ScenarioNotApplicable extends Error {}

/** The scenario cannot run against this client as given (e.g. no TestControl): never a pass. */
export class ScenarioSkipped extends Error {}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Headroom over a declared timer for a loaded machine (the call, the pull). */
export const TIMER_SLACK_MS = 5_000;

/** What one polling round may take on a quiet machine beyond its pause (a call to the client). */
export const ROUND_ALLOWANCE_MS = 150;
/** However slow the machine, a wait ends after this many times its timeout in wall time. */
const MAX_STRETCH = 4;

/**
 * Polls `probe` until it gives a value, for ctx.timeoutMs counted in
 * rounds, not wall time: each round counts at most its pause plus
 * ROUND_ALLOWANCE_MS. On a quiet machine that is the wall time; on a loaded
 * one, where the runner's timers fire late and the client answers late,
 * the wait stretches as much as the rounds were slowed (at most MAX_STRETCH
 * times), so a client that is merely starved is not failed. A client that
 * never acts still fails: only the pace of the rounds, never its calls,
 * stretches the wait.
 */
export async function waitFor<T>(
  ctx: ScenarioCtx,
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  everyMs = 100,
): Promise<T> {
  const start = Date.now();
  let counted = 0;
  let last = start;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    const now = Date.now();
    counted += Math.min(now - last, everyMs + ROUND_ALLOWANCE_MS);
    last = now;
    if (counted > ctx.timeoutMs || now - start > MAX_STRETCH * ctx.timeoutMs) {
      const wall = now - start;
      const stretched = wall > ctx.timeoutMs + everyMs + ROUND_ALLOWANCE_MS;
      throw new ScenarioFailure(
        `timed out after ${ctx.timeoutMs} ms waiting for ${what}${stretched ? ` (${wall} ms of wall time on a slow machine)` : ""}`,
      );
    }
    await sleep(everyMs);
  }
}

/**
 * The runner's worst event-loop delay (ms) while `during` runs: a call is
 * stamped when the runner gets to it, so two calls' stamps can be this much
 * closer than their arrivals were (a starved runner on a loaded machine).
 */
export async function withLoopDelay(during: () => Promise<void>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  try {
    await during();
  } finally {
    h.disable();
  }
  return Math.ceil(h.max / 1e6);
}

// Random bytes that make row ids unique per scenario (not an origin).
export const freshSalt = () => new Uint8Array(randomBytes(16));
export const tagStream = (origin: Uint8Array) =>
  create(StreamIdSchema, { origin, resource: Resource.TAG });
export const rowId = (n: number, salt: Uint8Array) => {
  const id = new Uint8Array(16);
  id.set(salt.subarray(0, 15), 1);
  id[0] = n;
  return id;
};
export const tagChange = (id: Uint8Array, seq: number): Change =>
  create(ChangeSchema, {
    rowId: id,
    seq: BigInt(seq),
    hlc: (BigInt(Date.now()) << 16n) | 1n,
    body: { case: "tag", value: { name: `t${seq}`, color: "#fff" } },
  });

/** A stream's tags, one per seq: tag n of `salt` at seq n, for each n in `seqs`. */
export const tagsAt = (salt: Uint8Array, seqs: readonly number[]): Change[] =>
  seqs.map((seq) => tagChange(rowId(seq, salt), seq));

export const volumeChange = (id: Uint8Array, seq: number): Change =>
  create(ChangeSchema, {
    rowId: id,
    seq: BigInt(seq),
    body: {
      case: "volume",
      value: { name: `v${id[0]}`, mountPoint: "/", capacityBytes: 1n, filesystem: "ext4" },
    },
  });

/** The client's watermark of `stream`, asked as the runner (a peer) would. */
export async function clientWatermark(ctx: ScenarioCtx, stream: StreamId) {
  const res = await ctx.client.exchangeWatermarks(
    // Our real watermarks: an exchange's list is complete, so an empty one
    // would tell the client we hold nothing.
    {
      libraryId: ctx.peer.library,
      deviceId: ctx.peer.deviceId,
      watermarks: ctx.peer.allWatermarks(),
    },
    { timeoutMs: 5_000 },
  );
  return res.watermarks.find(
    (w) =>
      w.stream !== undefined &&
      hex(w.stream.origin) === hex(stream.origin) &&
      w.stream.resource === stream.resource,
  );
}

export async function notify(ctx: ScenarioCtx, stream: StreamId): Promise<void> {
  await ctx.client.notifyDataAvailable(
    {
      libraryId: ctx.peer.library,
      deviceId: ctx.peer.deviceId,
      watermarks: [ctx.peer.watermark(stream)],
    },
    { timeoutMs: 5_000 },
  );
}

/** True when `s` names `stream` (origin and resource). */
export const isStream = (s: StreamId | undefined, stream: StreamId) =>
  s !== undefined && hex(s.origin) === hex(stream.origin) && s.resource === stream.resource;

/** The client's Backfill asks for `stream` since `since`: when each arrived and after which seq. */
export const backfillAsks = (ctx: ScenarioCtx, stream: StreamId, since = 0) =>
  ctx.peer.requests("Backfill", since).flatMap((r) => {
    const s = (r.req as BackfillRequest).streams.find((x) => isStream(x.stream, stream));
    return s === undefined ? [] : [{ at: r.at, afterSeq: s.afterSeq }];
  });

/** Polls the client's watermark of `stream` until `accept` takes one. */
export function waitForWatermark(
  ctx: ScenarioCtx,
  stream: StreamId,
  what: string,
  accept: (w: StreamWatermark) => boolean,
) {
  // Slower than the client's per-peer refill of watermark calls (5/s):
  // asking is itself a call it must admit.
  return waitFor(
    ctx,
    what,
    async () => {
      const w = await clientWatermark(ctx, stream).catch(() => undefined);
      return w !== undefined && accept(w) ? w : undefined;
    },
    400,
  );
}

export function waitForCursor(ctx: ScenarioCtx, stream: StreamId, cursor: bigint, what: string) {
  return waitForWatermark(
    ctx,
    stream,
    `${what} (client cursor ${cursor})`,
    (w) => w.cursor === cursor && w.pulling !== true,
  );
}

/** The runner holds `entries` through `cursor` and notifies; resolves when the client pulled them. */
export async function pulledFirst(
  ctx: ScenarioCtx,
  stream: StreamId,
  entries: Change[],
  cursor: bigint,
) {
  ctx.peer.hold(stream, entries, cursor);
  await notify(ctx, stream);
  return waitForCursor(ctx, stream, cursor, "the first pull");
}
