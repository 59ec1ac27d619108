// Public surface of @tidemark/simulator: run scenarios against an engine,
// generate them with fast-check, check properties, render diagrams.
export { type ScenarioBounds, SMALL_BOUNDS, SOAK_BOUNDS, scenarioArb } from "./arbitraries.js";
export { loadOpenReplica } from "./engine-binding.js";
export { EventQueue, type SimEvent } from "./event-queue.js";
export { type DiagramInput, renderDiagram } from "./html/diagram.js";
export {
  BUG_VARIANTS,
  type BugVariant,
  type HuntOptions,
  huntMutant,
  type MutantReport,
  mutantTable,
} from "./mutants.js";
export { CALM_LINK, type LinkProfile, STORMY_LINK } from "./network/link.js";
export type { OpenReplica } from "./node.js";
export { Prng } from "./prng.js";
export {
  checkProperties,
  describeFailure,
  PROPERTIES,
  type Property,
  type PropertyFailure,
  type World,
} from "./properties/index.js";
export { namedReplay, specReplay } from "./replay.js";
export {
  normalizeScenario,
  type Scenario,
  type Step,
  type StepKind,
  type WeatherName,
} from "./scenario.js";
export { SCENARIO_NAMES, SCENARIOS, type ScenarioParams } from "./scenarios/index.js";
export { Scheduler } from "./scheduler.js";
export { type RunOptions, type RunResult, runScenario } from "./simulation.js";
export { summaryLines } from "./summary.js";
export { Trace, type TraceRecord } from "./trace.js";
