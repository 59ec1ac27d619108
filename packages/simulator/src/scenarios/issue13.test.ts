// Issue 13 in the simulator: a paired device that forges, as relay and as
// pusher. Every forgery is refused, nothing forged is stored (the property
// nothing-forged-stored holds), and the joiner converges once the relay is
// honest again; the unverifiedChanges variant is caught on the same run.
import { describe, expect, test } from "vitest";
import { namedReplay } from "../replay.js";
import { runScenario } from "../simulation.js";
import { summaryLines } from "../summary.js";
import { engine } from "../test-support.js";
import { forgedReferences, forgingRelay } from "./forgery.js";

describe("issue 13: forging peers", () => {
  test("forging-relay: altered, unsigned and re-signed pages and four forged pushes plant nothing; the joiner converges", async () => {
    const r = await runScenario(forgingRelay({ seed: 1 }), {
      adapter: await engine(),
      keepTrace: true,
    });
    if (!r.ok)
      throw new Error(
        summaryLines(r, namedReplay({ kind: "named", name: "forging-relay", seed: 1 })).join("\n"),
      );
    const records = r.world.trace.records();
    const lies = records.filter((x) => x.k === "fault" && x.op === "liar").map((x) => x.lie);
    expect(lies).toEqual(["alter-rows", "strip-signatures", "re-sign"]);
    const pushes = records.filter((x) => x.k === "forge-result");
    expect(pushes).toHaveLength(4);
    expect(pushes.every((x) => x.refused === true)).toBe(true);
    // Refused by the origin, ownership and signature checks, not as malformed.
    expect(Object.fromEntries(pushes.map((x) => [x.forgery, x.error]))).toEqual({
      "other-origin": expect.stringContaining("not the pushing device"),
      "receivers-stream": expect.stringContaining("not the pushing device"),
      "forged-tombstone": expect.stringContaining("[forged-origin]"),
      unsigned: expect.stringContaining("[bad-signature]"),
    });
    expect(r.converged).toBe(true);
  }, 120_000);

  test("forged-references: malformed rows and references across origins or in loops are refused, pushed or committed", async () => {
    const r = await runScenario(forgedReferences({ seed: 1 }), {
      adapter: await engine(),
      keepTrace: true,
    });
    if (!r.ok)
      throw new Error(
        summaryLines(r, namedReplay({ kind: "named", name: "forged-references", seed: 1 })).join(
          "\n",
        ),
      );
    const records = r.world.trace.records();
    const pushes = records.filter((x) => x.k === "forge-result");
    // The protocol's validator refuses the first two; the store drops the rest (DROPPED acks).
    expect(Object.fromEntries(pushes.map((x) => [x.forgery, x.refused]))).toEqual({
      "foreign-device-row": true,
      "zero-hlc": true,
      "cross-origin-parent": false,
      "self-parent": false,
      "root-under-child": false,
    });
    const refused = records.filter((x) => x.k === "refused" && x.op === "foreign-writes");
    expect(refused.map((x) => x.why)).toEqual([
      expect.stringContaining("[not-origin]"),
      expect.stringContaining("[forged-origin]"),
      expect.stringContaining("crosses origins"),
    ]);
    expect(r.converged).toBe(true);
  }, 120_000);

  test("forging-relay with the unverifiedChanges variant fails a safety property", async () => {
    const r = await runScenario(
      { ...forgingRelay({ seed: 1 }), variant: "unverifiedChanges" },
      { adapter: await engine() },
    );
    expect(r.ok).toBe(false);
    // The unsigned push it stores is caught first either as a forged row or
    // as a cursor past its origin's own head (the origin never wrote it).
    expect(["nothing-forged-stored", "cursor-within-origin-head"]).toContain(r.failure?.property);
  }, 120_000);
});
