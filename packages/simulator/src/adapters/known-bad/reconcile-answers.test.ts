// Planted slips in range reconciliation (PROTOCOL §7), injected by this
// test through module mocks of the engine's reconcile modules (never a
// switch in the engine): sub-range fingerprints that are not the sums of
// their items, a list diff that ignores items the lister holds at a
// newer seq, and a one-item range described by its fingerprint instead of
// a listing (Stryker's surviving `count > listThreshold` in split.ts). A false fingerprint only costs rounds and a missed newer
// version waits for another peer, so the run converges: only
// reconcile-answers-at-rest, judging each answer against the responder's
// items, sees them. The real reconciler passes the same scenario.
import { describe, expect, test, vi } from "vitest";
import { runNamedWith } from "../../test-support.js";
import { tidemarkEngine } from "../tidemark-engine.js";

// The engine modules' own shapes (a type import would pull engine sources into this program).
type Range = { payload: { case: string | undefined; value: unknown } };
type SplitRange = (...args: unknown[]) => Range[];
type FpSet = { fingerprint(i: number, j: number): Uint8Array };
type FingerprintRange = (upper: Uint8Array, fp: Uint8Array) => Range;
type ListSet = { indexOf(id: Uint8Array, from: number, to: number): number };
type ListDiff = { theirNewer: number[]; ownNewer: number[] };
type DiffList = (set: ListSet, i: number, j: number, list: { ids: Uint8Array }) => ListDiff;

const planted = vi.hoisted(() => ({
  slip: "none" as "none" | "false-fingerprints" | "newer-ignored" | "one-item-fingerprint",
}));

vi.mock("../../../../engine/src/reconcile/split.ts", async (original) => {
  const real = (await original()) as {
    splitRange: SplitRange;
    fingerprintRange: FingerprintRange;
  };
  return {
    ...real,
    splitRange: (...args: unknown[]): Range[] => {
      const [set, i, j, upper] = args as [FpSet, number, number, Uint8Array];
      if (planted.slip === "one-item-fingerprint" && j - i === 1)
        return [real.fingerprintRange(upper, set.fingerprint(i, j))];
      const out = real.splitRange(...args);
      if (planted.slip !== "false-fingerprints") return out;
      for (const r of out) {
        if (r.payload.case !== "fingerprint") continue;
        const fp = (r.payload.value as Uint8Array).slice();
        fp[15] = ((fp[15] as number) + 1) & 0xff;
        r.payload.value = fp;
      }
      return out;
    },
  };
});

vi.mock("../../../../engine/src/reconcile/item-list.ts", async (original) => {
  const real = (await original()) as { diffList: DiffList };
  return {
    ...real,
    diffList: (set: ListSet, i: number, j: number, list: { ids: Uint8Array }): ListDiff => {
      const d = real.diffList(set, i, j, list);
      if (planted.slip !== "newer-ignored") return d;
      // Only ids the lister lacks: one it holds at an older seq is not asked for.
      const lacks = (k: number) => set.indexOf(list.ids.subarray(16 * k, 16 * k + 16), i, j) < 0;
      return { ...d, theirNewer: d.theirNewer.filter(lacks) };
    },
  };
});

async function run(slip: typeof planted.slip) {
  planted.slip = slip;
  return runNamedWith(tidemarkEngine, "range-only-peers", { seed: 3, scale: 0.003 });
}

describe("range reconciliation answers an honest responder must not send", () => {
  test("the engine's own answers are true in range-only-peers", async () => {
    const r = await run("none");
    expect(r.failure).toBeUndefined();
  }, 120_000);

  test("sub-range fingerprints that are not their items' sum fail reconcile-answers-at-rest", async () => {
    const r = await run("false-fingerprints");
    expect(r.converged).toBe(true);
    expect(r.failure?.property).toBe("reconcile-answers-at-rest");
  }, 120_000);

  test("a list diff that ignores items listed at a newer seq fails reconcile-answers-at-rest", async () => {
    const r = await run("newer-ignored");
    expect(r.failure?.property).toBe("reconcile-answers-at-rest");
    expect(r.failure?.detail).toContain("needed");
  }, 120_000);

  test("a one-item range described by its fingerprint, not listed, fails reconcile-answers-at-rest", async () => {
    const r = await run("one-item-fingerprint");
    expect(r.failure?.property).toBe("reconcile-answers-at-rest");
    expect(r.failure?.detail).toContain("one-item range");
  }, 120_000);
});
