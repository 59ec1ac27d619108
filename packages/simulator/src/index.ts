// Public surface of @tidemark/simulator: run scenarios against any
// implementation behind an EngineAdapter, generate them with fast-check,
// check properties through the probe, render diagrams.
export { tidemarkEngine } from "./adapters/tidemark-engine.js";
export { type ScenarioBounds, SMALL_BOUNDS, SOAK_BOUNDS, scenarioArb } from "./arbitraries.js";
export { loadAdapter } from "./engine-binding.js";
export { EventQueue, type SimEvent } from "./event-queue.js";
export { type DiagramInput, renderDiagram } from "./html/diagram.js";
export { uuidv7 } from "./ids.js";
export { type HuntOptions, huntMutant, type MutantReport, mutantTable } from "./mutants.js";
export { CALM_LINK, type LinkProfile, STORMY_LINK } from "./network/link.js";
export { Oracle } from "./oracle.js";
export { Prng } from "./prng.js";
export type {
  AdaptedReplica,
  Awaitable,
  EngineAdapter,
  EngineConfig,
  OpenOptions,
  ReplicaProbe,
} from "./probe/probe.js";
export { bodyOf, canonicalRow, changeOf, fieldsOf, rowVersionOf } from "./probe/row-version.js";
export type {
  CommitResult,
  CommittedBatch,
  Corruption,
  DiskImage,
  Fields,
  Gauges,
  IdHex,
  PeerView,
  RowVersion,
  StreamRef,
  TreeReport,
  Watermark,
  WriteOp,
} from "./probe/types.js";
export {
  allFailures,
  checkProperties,
  checkStreamInvariant,
  describeFailure,
  type NodeView,
  PROPERTIES,
  type Property,
  type PropertyFailure,
  snapshotNode,
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
export { runSuite, type SuiteOptions, type SuiteReport, type SuiteResult } from "./suite.js";
export { summaryLines } from "./summary.js";
export { Trace, type TraceRecord, type TraceValue } from "./trace.js";
