// Public surface of @tidemark/conformance: load cases, run them against a
// target, run the client scenarios, measure rule coverage.
export { CASES_DIR, type Case, CaseError, loadCases } from "./cases.js";
export {
  type ClientRunOptions,
  clientScenarioRules,
  runClientScenarios,
} from "./client-mode/run.js";
export {
  type Coverage,
  coverage,
  coverageText,
  type Pinned,
  pinnedBy,
  readExclusions,
} from "./coverage.js";
export {
  addIdentities,
  type CaseIdentity,
  IdentityError,
  IdentityPool,
  type IdentitySource,
  identitiesNeeded,
} from "./identities.js";
export { pinnedRules, REPOSITORY_CHECKS } from "./pinned.js";
export { jsonReport, ruleRows, summaryLine, textReport } from "./report.js";
export { type Rule, readRules } from "./rules.js";
export {
  type CaseResult,
  type RunOptions,
  type RunReport,
  readKnownFailing,
  runConformance,
  type Verdict,
} from "./runner.js";
export { CLIENT_PIN_RULES, type ClientPinOutcome, runClientPin } from "./tls/client-pin.js";
export { TargetError, type TargetOptions, type WireProtocol } from "./transport.js";
export { loadVectorFiles, VECTORS_DIR, type VectorFile, vectorRules } from "./vectors.js";
