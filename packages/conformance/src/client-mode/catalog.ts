// Every client scenario the runner plays: the core list, then those kept
// in modules of their own.
import { RENAMED_PARENT_SCENARIOS } from "./renamed-parent.js";
import type { Scenario } from "./scenario-kit.js";
import { SCENARIOS } from "./scenarios.js";

export const CLIENT_SCENARIOS: readonly Scenario[] = [...SCENARIOS, ...RENAMED_PARENT_SCENARIOS];
