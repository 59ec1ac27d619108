// Public surface of @tidemark/chaos: plan or load a schedule, run it
// against real peer processes, read the verdict.

export { freePort } from "@tidemark/node-peer/processes";
export { nodePeerTemplates } from "./node-peer.js";
export { type ChaosOptions, type ChaosResult, runChaos, summaryLines } from "./run.js";
export {
  type ChaosStep,
  type ChaosStepKind,
  type PlanOptions,
  parseSchedule,
  planSchedule,
  type Schedule,
  ScheduleError,
} from "./schedule.js";
