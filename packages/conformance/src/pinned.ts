// Every source of pinned rule ids in one place, for the CLI's coverage
// command and the coverage test alike.
import type { Case } from "./cases.js";
import { clientScenarioRules } from "./client-mode/run.js";
import { type Pinned, pinnedBy } from "./coverage.js";
import { CLIENT_PIN_RULES } from "./tls/client-pin.js";
import { H2C_REFUSAL_RULES } from "./tls/h2c-refusal.js";
import { vectorRules } from "./vectors.js";

/**
 * Rules whose subject is the protocol's schema, not a peer, with the check
 * that fails this repository's `pnpm test` when they are broken.
 */
export const REPOSITORY_CHECKS = [
  {
    rule: "VR-3",
    check:
      "pnpm proto:breaking (buf breaking against proto/baseline/image.binpb), a step of pnpm test",
  },
] as const;

export function pinnedRules(cases: readonly Pick<Case, "rules">[]): Pinned {
  return {
    wire: [...pinnedBy(cases), ...clientScenarioRules(), ...CLIENT_PIN_RULES, ...H2C_REFUSAL_RULES],
    vectors: vectorRules(),
    repository: REPOSITORY_CHECKS.map((c) => c.rule),
  };
}
