// Every client scenario the runner plays: the core list, then those kept
// in modules of their own.
import { OWN_STREAM_PROBE_SCENARIOS } from "./own-stream-probe.js";
import { RELAY_MID_PULL_SCENARIOS } from "./relay-mid-pull.js";
import { RENAMED_PARENT_SCENARIOS } from "./renamed-parent.js";
import { RESUME_SOURCE_SCENARIOS } from "./resume-source.js";
import type { Scenario } from "./scenario-kit.js";
import { SCENARIOS } from "./scenarios.js";

export const CLIENT_SCENARIOS: readonly Scenario[] = [
  ...SCENARIOS,
  ...RENAMED_PARENT_SCENARIOS,
  ...OWN_STREAM_PROBE_SCENARIOS,
  ...RELAY_MID_PULL_SCENARIOS,
  ...RESUME_SOURCE_SCENARIOS,
];
