// Backoff schedules that are wrong without being a storm, planted one at a
// time through a module mock (test code only, never a switch in the
// engine), each caught in backoff-growth: a schedule that starts at 4x the
// base, one that waits (a jittered) cap from the first retry, one whose
// jitter range is twice the schedule, and one without jitter (backoff.ts
// mutants that timed out under load: the properties, not the time, catch
// them). The real schedule passes the same scenario.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

type Random = { next: () => number };
// The engine module's own signature (a type import would pull engine sources into this program).
type Delay = (failures: number, baseMs: number, capMs: number, random: Random) => number;

const planted = vi.hoisted(() => ({ delay: undefined as Delay | undefined }));

vi.mock("../../../../engine/src/sync/backoff.ts", async (original) => {
  const real = (await original()) as { backoffDelayMs: Delay };
  return {
    ...real,
    backoffDelayMs: (failures: number, baseMs: number, capMs: number, random: Random) =>
      (planted.delay ?? real.backoffDelayMs)(failures, baseMs, capMs, random),
  };
});

/** Equal jitter over `exp`, as the engine does. */
const jittered = (exp: number, random: Random) => Math.round(exp / 2 + random.next() * (exp / 2));

async function run(delay: Delay | undefined) {
  planted.delay = delay;
  return runNamedWith(tidemarkEngine, "backoff-growth", { seed: 1 });
}

describe("backoff schedules that are too slow or in step", () => {
  test("the engine's own schedule passes backoff-growth", async () => {
    const r = await run(undefined);
    expect(r.failure).toBeUndefined();
    expect(r.converged).toBe(true);
  }, 120_000);

  test("a schedule starting at 4x the base fails retry-backoff (too late)", async () => {
    const r = await run((f, base, cap, random) =>
      f <= 0 ? 0 : jittered(Math.min(cap, base * 2 ** (f + 1)), random),
    );
    expect(r.failure?.property).toBe("retry-backoff");
    expect(r.failure?.detail).toContain("later than the backoff schedule allows");
  }, 120_000);

  test("waiting the cap from the first retry fails retry-backoff (too late)", async () => {
    const r = await run((f, _base, cap, random) => (f <= 0 ? 0 : jittered(cap, random)));
    expect(r.failure?.property).toBe("retry-backoff");
    expect(r.failure?.detail).toContain("later than the backoff schedule allows");
  }, 120_000);

  test("a jitter range twice the schedule fails retry-backoff (too late)", async () => {
    const r = await run((f, base, cap, random) => {
      const exp = Math.min(cap, base * 2 ** (f - 1));
      return f <= 0 ? 0 : Math.round(exp * 2 + random.next() * exp * 2);
    });
    expect(r.failure?.property).toBe("retry-backoff");
    expect(r.failure?.detail).toContain("later than the backoff schedule allows");
  }, 120_000);

  test("a schedule without jitter fails retry-jitter", async () => {
    const r = await run((f, base, cap) => (f <= 0 ? 0 : Math.min(cap, base * 2 ** (f - 1)) / 2));
    expect(r.failure?.property).toBe("retry-jitter");
    expect(r.failure?.detail).toContain("no jitter");
  }, 120_000);
});
