// Every rule id of PROTOCOL.md has a case or client scenario, or a
// justified exclusion (counted uncovered); the figure is printed so CI
// logs show it. A new MUST without a case fails here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCases } from "./cases.js";
import { coverage, coverageText } from "./coverage.js";
import { pinnedRules, REPOSITORY_CHECKS } from "./pinned.js";
import { readRules } from "./rules.js";

describe("rule coverage", () => {
  it("every rule id has a case or a justified exclusion", () => {
    const c = coverage(pinnedRules(loadCases()));
    console.log(coverageText(c).split("\n").slice(0, 2).join("\n"));
    expect(c.missing).toEqual([]);
    expect(c.badExclusions).toEqual([]);
    expect(c.unknownRules).toEqual([]);
    expect(c.covered.length + c.excluded.length).toBe(c.rules);
  });

  it("counts an excluded rule as uncovered and flags a stale exclusion", () => {
    const rules = [
      { id: "BF-1", section: "5", text: "" },
      { id: "BF-2", section: "5", text: "" },
    ];
    const c = coverage({ wire: ["BF-1"] }, rules, [
      { rule: "BF-2", reason: "cannot be driven over the wire yet" },
    ]);
    expect(c).toMatchObject({ rules: 2, covered: ["BF-1"], missing: [], ok: true });
    expect(coverageText(c)).toMatch(/^rule coverage: 1\/2 .*\(50\.0%\); 1 excluded/);
    const stale = coverage({ wire: ["BF-1", "BF-2"] }, rules, [
      { rule: "BF-2", reason: "cannot be driven over the wire yet" },
    ]);
    expect(stale.ok).toBe(false);
    expect(stale.badExclusions[0]).toMatch(/has a case/);
    expect(coverage({ wire: ["BF-1"] }, rules, []).missing).toEqual(["BF-2"]);
  });

  it("counts each covered rule once, by the first of wire, vectors, repository", () => {
    const rules = ["BF-1", "TI-4", "VR-3"].map((id) => ({ id, section: "", text: "" }));
    const c = coverage(
      { wire: ["BF-1"], vectors: ["TI-4", "BF-1"], repository: ["VR-3"] },
      rules,
      [],
    );
    expect(c.by).toEqual({ wire: 1, vectors: 1, repository: 1 });
    expect(coverageText(c).split("\n")[1]).toMatch(
      /wire: 1; by vector files: 1; by repository checks: 1/,
    );
  });

  it("names only repository checks that pnpm test runs", () => {
    const root = join(import.meta.dirname, "..", "..", "..");
    const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts;
    const runner = readFileSync(join(root, "scripts", "run-tests.mjs"), "utf8");
    for (const c of REPOSITORY_CHECKS) {
      const script = /pnpm ([\w:]+)/.exec(c.check)?.[1] ?? "";
      expect(scripts[script]).toBeDefined();
      expect(runner).toContain(`"${script}"`);
    }
  });

  it("reads more than a hundred rule ids from PROTOCOL.md", () => {
    expect(readRules().length).toBeGreaterThan(100);
  });
});
