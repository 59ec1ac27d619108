// Random scenarios are as big as their bounds say (S7: fast-check's default
// size capped step lists near 10), and across a sample they draw every
// workload, fault and capability: topologies, per-link faults, heal-phase
// steps, frozen clocks, restores then writes, liars, deep trees, pruning,
// CPU cost.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SMALL_BOUNDS, SOAK_BOUNDS, scenarioArb } from "./arbitraries.js";
import { HEAL_STEPS } from "./scenario.js";

describe("scenario arbitraries", () => {
  const sample = fc.sample(scenarioArb(SMALL_BOUNDS), { numRuns: 200, seed: 7 });

  test("random-scenarios-are-tiny (S7): step lists fill their bounds, not fast-check's default size", () => {
    const lengths = sample.map((s) => s.steps.length);
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    expect(Math.max(...lengths)).toBe(SMALL_BOUNDS.maxSteps);
    expect(mean).toBeGreaterThan((SMALL_BOUNDS.minSteps + SMALL_BOUNDS.maxSteps) / 2 - 1.5);
    const soak = fc.sample(scenarioArb(SOAK_BOUNDS), { numRuns: 50, seed: 7 });
    expect(Math.max(...soak.map((s) => s.steps.length))).toBeGreaterThan(50);
    expect(Math.max(...soak.map((s) => s.devices))).toBe(16);
  });

  test("every step kind and capability is drawn", () => {
    const kinds = new Set(sample.flatMap((s) => s.steps.map((st) => st.do)));
    for (const k of [
      "index",
      "move",
      "delete",
      "tags",
      "collections",
      "join",
      "leave",
      "weather",
      "partition",
      "heal",
      "clog",
      "link",
      "late-parents",
      "crash",
      "restart",
      "backup",
      "restore",
      "clock",
      "liar",
      "lose-rows",
      "stale-rows",
      "stale-parent",
    ])
      expect(kinds, k).toContain(k);
    const steps = sample.flatMap((s) => s.steps.map((st) => ({ st, s })));
    expect(steps.some(({ st, s }) => st.at > s.chaosMs && HEAL_STEPS.has(st.do))).toBe(true);
    expect(steps.some(({ st }) => st.do === "clock" && st.frozen === true)).toBe(true);
    expect(
      steps.some(({ st }) => st.do === "restore" && (st.thenWrite ?? 0) > 0 && (st.which ?? 0) > 0),
    ).toBe(true);
    expect(steps.some(({ st }) => st.do === "move" && st.targeted === true)).toBe(true);
    expect(steps.some(({ st }) => st.do === "move" && st.wrap === true)).toBe(true);
    expect(steps.some(({ st }) => st.do === "leave" && st.keep === true)).toBe(true);
    // A kept leaver paired again: a join of the same device after its leave.
    expect(
      sample.some((s) =>
        s.steps.some(
          (l) =>
            l.do === "leave" &&
            l.keep === true &&
            s.steps.some((j) => j.do === "join" && j.dev === l.dev && j.at > l.at),
        ),
      ),
    ).toBe(true);
    expect(sample.some((s) => (s.smallLimits?.length ?? 0) > 0)).toBe(true);
    expect(steps.some(({ st }) => st.do === "index" && (st.depth ?? 0) > 12)).toBe(true);
    expect(steps.some(({ st }) => st.do === "index" && st.announce === true)).toBe(true);
    expect(new Set(sample.map((s) => s.topology ?? "full"))).toEqual(
      new Set(["full", "ring", "line", "star"]),
    );
    expect(sample.some((s) => s.config?.pruneTombstones === true)).toBe(true);
    expect(sample.some((s) => (s.cpuMsPerRow ?? 0) > 0)).toBe(true);
    expect(sample.some((s) => s.config?.pageMaxChanges === 50)).toBe(true);
    // Pages cut by bytes, and a location pushed apart from its entries (bug 10's relay).
    expect(sample.some((s) => s.config?.pageMaxBytes === 600)).toBe(true);
    expect(sample.some((s) => s.config?.pageMaxBytes === 100)).toBe(true);
    expect(sample.some((s) => s.config?.realtimeMaxBatch === 1)).toBe(true);
  });

  test("revision 1.1 peers are drawn beside coded-symbol peers, some worlds all one kind", () => {
    const mixed = sample.filter(
      (s) => s.rangeOnly !== undefined && s.rangeOnly.length > 0 && s.rangeOnly.length < s.devices,
    );
    expect(mixed.length).toBeGreaterThan(sample.length / 10);
    expect(sample.some((s) => s.rangeOnly === undefined)).toBe(true);
    expect(sample.some((s) => s.rangeOnly?.length === s.devices)).toBe(true);
    for (const s of sample)
      for (const d of s.rangeOnly ?? [])
        expect(d >= 0 && d < s.devices, `${d} < ${s.devices}`).toBe(true);
  });

  test("scans are announced while own streams are held: after a restart, a restore or a join", () => {
    // Own commits are held after the device opens and after a peer is added
    // (PROTOCOL §3.7): an announced index later than either is the state in
    // which a notice once listed streams without a cursor.
    const holds = new Set(["restart", "restore", "join"]);
    const held = sample.filter((s) =>
      s.steps.some(
        (st) =>
          st.do === "index" &&
          st.announce === true &&
          s.steps.some((h) => holds.has(h.do) && h.at < st.at),
      ),
    );
    expect(held.length).toBeGreaterThan(sample.length / 5);
  });
});
