// Shared by the engine's replica tests: a test cluster of reference engines.
import { tidemarkEngine } from "../../src/adapters/tidemark-engine.js";
import { type ClusterOptions, TestCluster } from "../../src/harness/cluster.js";

export const adapter = tidemarkEngine;

export function cluster(o: Omit<ClusterOptions, "adapter">): TestCluster {
  return new TestCluster({ adapter, ...o });
}
