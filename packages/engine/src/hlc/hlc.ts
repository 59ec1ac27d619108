// Hybrid logical clock (Kulkarni et al.): 48-bit physical ms << 16 | 16-bit
// counter, one bigint. Pure functions; the store persists the value in the
// same transaction as every write that uses it (B5: the seed lost it).
import { EngineError, EngineErrorCode } from "../errors.js";

export const HLC_COUNTER_BITS = 16n;
export const HLC_COUNTER_MAX = 0xffff;
export const HLC_MS_MAX = 2 ** 48 - 1;
/** Default bound on how far ahead of our clock a remote HLC may be. */
export const DEFAULT_HLC_MAX_OFFSET_MS = 300_000;

/** Packs ms and counter; ms must fit in 48 bits, counter in 16. */
export function hlcPack(ms: number, counter: number): bigint {
  return (BigInt(ms) << HLC_COUNTER_BITS) | BigInt(counter);
}

/** Physical milliseconds of an HLC. */
export function hlcMs(hlc: bigint): number {
  return Number(hlc >> HLC_COUNTER_BITS);
}

/** Logical counter of an HLC. */
export function hlcCounter(hlc: bigint): number {
  return Number(hlc & 0xffffn);
}

function physical(nowMs: number): number {
  const ms = Math.floor(nowMs);
  if (!Number.isFinite(ms) || ms < 0 || ms > HLC_MS_MAX) {
    throw new EngineError(EngineErrorCode.Invalid, "clock reading outside the HLC's 48-bit range", {
      nowMs,
    });
  }
  return ms;
}

// When the counter would pass 16 bits we move to the next millisecond
// logically (the clock runs slightly ahead until wall time catches up)
// rather than wrapping, which would go backwards.
function normalise(ms: number, counter: number): bigint {
  let m = ms;
  let c = counter;
  if (c > HLC_COUNTER_MAX) {
    m += 1;
    c = 0;
  }
  if (m > HLC_MS_MAX) {
    throw new EngineError(EngineErrorCode.HlcOverflow, "HLC physical part exceeds 48 bits", {
      ms: m,
    });
  }
  // Never 0: zero is what an uninitialised clock looks like.
  if (m === 0 && c === 0) c = 1;
  return hlcPack(m, c);
}

/**
 * Send/local-event rule: the next HLC after `prev` at wall time `nowMs`.
 * Strictly greater than `prev`; never 0.
 */
export function hlcTick(prev: bigint, nowMs: number): bigint {
  const pt = physical(nowMs);
  const lm = hlcMs(prev);
  if (pt > lm) return normalise(pt, 0);
  return normalise(lm, hlcCounter(prev) + 1);
}

/**
 * Receive rule: merges a remote HLC into `prev`. Throws HlcTooFarAhead
 * when the remote's physical part is more than `maxOffsetMs` ahead of
 * `nowMs` (a peer with a broken clock must not drag ours forward).
 * The result is strictly greater than both `prev` and `remote`.
 */
export function hlcReceive(
  prev: bigint,
  remote: bigint,
  nowMs: number,
  maxOffsetMs: number,
): bigint {
  const pt = physical(nowMs);
  const rm = hlcMs(remote);
  if (remote < 0n || rm > pt + maxOffsetMs) {
    throw new EngineError(
      EngineErrorCode.HlcTooFarAhead,
      "remote HLC is too far ahead of our clock",
      {
        remoteMs: rm,
        nowMs: pt,
        maxOffsetMs,
      },
    );
  }
  const lm = hlcMs(prev);
  const m = Math.max(lm, rm, pt);
  if (m === lm && m === rm) {
    return normalise(m, Math.max(hlcCounter(prev), hlcCounter(remote)) + 1);
  }
  if (m === lm) return normalise(m, hlcCounter(prev) + 1);
  if (m === rm) return normalise(m, hlcCounter(remote) + 1);
  return normalise(m, 0);
}

/** Throws HlcTooFarAhead unless `remote` is within maxOffset of our clock. */
export function hlcCheckRemote(remote: bigint, nowMs: number, maxOffsetMs: number): void {
  hlcReceive(0n, remote, nowMs, maxOffsetMs);
}
