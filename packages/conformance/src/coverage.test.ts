// Every rule id of PROTOCOL.md has a case or client scenario, or a
// justified exclusion (counted uncovered); the figure is printed so CI
// logs show it. A new MUST without a case fails here.
import { describe, expect, it } from "vitest";
import { loadCases } from "./cases.js";
import { clientScenarioRules } from "./client-mode/run.js";
import { coverage, coverageText, pinnedBy } from "./coverage.js";
import { readRules } from "./rules.js";
import { CLIENT_PIN_RULES } from "./tls/client-pin.js";

describe("rule coverage", () => {
  it("every rule id has a case or a justified exclusion", () => {
    const c = coverage([...pinnedBy(loadCases()), ...clientScenarioRules(), ...CLIENT_PIN_RULES]);
    console.log(coverageText(c).split("\n")[0]);
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
    const c = coverage(["BF-1"], rules, [
      { rule: "BF-2", reason: "cannot be driven over the wire yet" },
    ]);
    expect(c).toMatchObject({ rules: 2, covered: ["BF-1"], missing: [], ok: true });
    expect(coverageText(c)).toMatch(/^rule coverage: 1\/2 .*\(50\.0%\); 1 excluded/);
    const stale = coverage(["BF-1", "BF-2"], rules, [
      { rule: "BF-2", reason: "cannot be driven over the wire yet" },
    ]);
    expect(stale.ok).toBe(false);
    expect(stale.badExclusions[0]).toMatch(/has a case/);
    expect(coverage(["BF-1"], rules, []).missing).toEqual(["BF-2"]);
  });

  it("reads more than a hundred rule ids from PROTOCOL.md", () => {
    expect(readRules().length).toBeGreaterThan(100);
  });
});
