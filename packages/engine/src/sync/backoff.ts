// Exponential backoff with jitter and a cap, for passive catch-up after
// failures (DESIGN §1: passive catch-up only after failed retries).
import type { Random } from "../ports.js";

/**
 * Delay before retry number `failures` (1 = first retry):
 * `min(cap, base * 2^(failures-1))`, then "equal jitter": a uniform value in
 * [half, full] of that, so retries of many peers spread out but never
 * collapse to zero. `failures <= 0` returns 0.
 */
export function backoffDelayMs(
  failures: number,
  baseMs: number,
  capMs: number,
  random: Random,
): number {
  if (failures <= 0) return 0;
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(failures - 1, 52));
  const half = exp / 2;
  return Math.round(half + random.next() * half);
}
