// @tidemark/engine/testing: in-memory network, virtual time, seeded PRNG,
// workloads and the convergence oracle, shared by the engine's tests and
// the simulator.
export {
  Cluster,
  type ClusterOptions,
  deviceIdOf,
  LIBRARY_ID,
  type NodeOptions,
} from "./cluster.js";
export {
  type ConvergenceOptions,
  type ConvergenceReport,
  type Convergent,
  checkConvergence,
} from "./convergence.js";
export { claimOriginHead, silentGapBehindCursor } from "./corrupt.js";
export { type LogEvent, MemoryLogger } from "./memory-logger.js";
export {
  type CallRecord,
  type FaultConfig,
  MemoryNetwork,
  type MessageInfo,
  type Policy,
  type Verdict,
} from "./memory-network.js";
export { SeededRandom } from "./prng.js";
export { VirtualTime } from "./virtual-time.js";
export { TreeIndexer } from "./workload.js";
