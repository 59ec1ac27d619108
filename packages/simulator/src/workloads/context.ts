// What a workload step may use: the device, a PRNG of its own, the oracle,
// and small SQL reads of the device's replica (read-only; writes go through
// the engine's commit()).
import type { LocalWrite } from "@tidemark/engine";
import type { SimNode } from "../node.js";
import type { Oracle } from "../oracle.js";
import type { Prng } from "../prng.js";
import type { Scheduler } from "../scheduler.js";
import { roundMs, type Trace } from "../trace.js";

export type WorkContext = {
  readonly node: SimNode;
  readonly rng: Prng;
  readonly sched: Scheduler;
  readonly oracle: Oracle;
  readonly trace: Trace;
  /** Ids of the library's shared tags and collections (every device edits the same ones). */
  readonly sharedTags: readonly Uint8Array[];
  readonly sharedCollections: readonly Uint8Array[];
};

/** Commits through the engine, records the result, traces it. False if the device is down. */
export function commitWrites(ctx: WorkContext, op: string, writes: readonly LocalWrite[]): boolean {
  const replica = ctx.node.replica;
  if (!ctx.node.alive || replica === undefined || writes.length === 0) return false;
  const batches = replica.commit(writes);
  ctx.oracle.record(batches);
  ctx.trace.emit({
    t: roundMs(ctx.sched.now),
    k: "work",
    dev: ctx.node.index,
    op,
    n: writes.length,
  });
  return true;
}

/** Copies a SQLite blob (Buffer) into a plain Uint8Array. */
export function bytes(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? new Uint8Array(v) : new Uint8Array(0);
}

/** Origin id as a blob parameter. */
export function originBlob(hex: string): Buffer {
  return Buffer.from(hex, "hex");
}
