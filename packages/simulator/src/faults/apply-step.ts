// Executes one scenario step (workload or fault) against the world: work
// here, network faults in network-steps.ts, device faults in device-steps.ts.
import type { Step } from "../scenario.js";
import { deleteSubtrees } from "../workloads/delete-subtree.js";
import { foreignWrites } from "../workloads/foreign-writes.js";
import { indexTree } from "../workloads/index-tree.js";
import { moveSubtrees } from "../workloads/move-subtree.js";
import { collectionEdits, tagEdits } from "../workloads/shared-edits.js";
import { staleParentWrites } from "../workloads/stale-parent.js";
import type { SimWorld } from "../world.js";
import { applyDeviceStep, type DeviceStep } from "./device-steps.js";
import { applyNetworkStep, type NetworkStep } from "./network-steps.js";

type WorkStep = Extract<
  Step,
  { do: "index" | "move" | "delete" | "stale-parent" | "foreign-writes" | "tags" | "collections" }
>;

/** Traces a step that could not apply (a down device, nothing to restore, ...). */
export type Skip = (why: string) => void;

const NETWORK: ReadonlySet<string> = new Set([
  "weather",
  "partition",
  "heal",
  "isolate",
  "clog",
  "link",
  "late-parents",
]);

/** Applies a step at the current virtual time. Steps on a down device are skipped (and traced). */
export async function applyStep(world: SimWorld, step: Step, index: number): Promise<void> {
  const skip: Skip = (why) => world.emit("skip", { step: index, op: step.do, why });
  switch (step.do) {
    case "index":
    case "move":
    case "delete":
    case "stale-parent":
    case "foreign-writes":
    case "tags":
    case "collections":
      return applyWork(world, step, index, skip);
    default:
      if (NETWORK.has(step.do)) return applyNetworkStep(world, step as NetworkStep, skip);
      return applyDeviceStep(world, step as DeviceStep, index, skip);
  }
}

async function applyWork(
  world: SimWorld,
  step: WorkStep,
  index: number,
  skip: Skip,
): Promise<void> {
  if (!world.node(step.dev).alive) return skip("device down");
  const ctx = world.workContext(step.dev, index);
  switch (step.do) {
    case "index":
      return indexTree(ctx, {
        entries: step.entries,
        ...(step.batch === undefined ? {} : { batch: step.batch }),
        ...(step.depth === undefined ? {} : { depth: step.depth }),
        ...(step.announce === true ? { announce: true } : {}),
      });
    case "move":
      return moveSubtrees(ctx, {
        count: step.count,
        ...(step.targeted ? { targeted: true } : {}),
        ...(step.wrap ? { wrap: true } : {}),
      });
    case "delete":
      return deleteSubtrees(ctx, { count: step.count });
    case "stale-parent":
      return staleParentWrites(ctx, { count: step.count });
    case "foreign-writes":
      return foreignWrites(ctx, { count: step.count });
    case "tags":
      return tagEdits(ctx, { count: step.count });
    case "collections":
      return collectionEdits(ctx, { count: step.count });
  }
}
