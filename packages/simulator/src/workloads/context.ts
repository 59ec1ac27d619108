// What a workload step may use: the device (through its probe: reads of
// its rows and commits), a PRNG of its own and the oracle. Workloads never
// see an engine's storage: they read rows as RowVersions and write
// WriteOps, so they run against any implementation.
import type { SimNode } from "../node.js";
import type { Oracle } from "../oracle.js";
import type { Prng } from "../prng.js";
import type { ReplicaProbe } from "../probe/probe.js";
import type { CommitResult, IdHex, WriteOp } from "../probe/types.js";
import type { Scheduler } from "../scheduler.js";
import { roundMs, type Trace } from "../trace.js";

export type WorkContext = {
  readonly node: SimNode;
  readonly rng: Prng;
  readonly sched: Scheduler;
  readonly oracle: Oracle;
  readonly trace: Trace;
  /** Ids of the library's shared tags and collections (every device edits the same ones). */
  readonly sharedTags: readonly IdHex[];
  readonly sharedCollections: readonly IdHex[];
};

/** The device's probe while it runs, else undefined (the step is skipped). */
export function probeOf(ctx: WorkContext): ReplicaProbe | undefined {
  return ctx.node.alive ? ctx.node.replica?.probe : undefined;
}

/**
 * Commits through the probe, records the result, traces it. False if the
 * device is down or refused the commit for now (traced as `refused`).
 * `invalid`: writes the replica must refuse; its error is that refusal
 * (traced the same way), not a failure of the run.
 */
export async function commitWrites(
  ctx: WorkContext,
  op: string,
  writes: readonly WriteOp[],
  invalid = false,
): Promise<boolean> {
  const probe = probeOf(ctx);
  if (probe === undefined || writes.length === 0) return false;
  const r = invalid ? await refusedOrTaken(probe, writes) : await probe.commit(writes);
  const t = roundMs(ctx.sched.now);
  if (r.kind === "refused") {
    ctx.trace.emit({ t, k: "refused", dev: ctx.node.index, op, why: r.reason.slice(0, 120) });
    return false;
  }
  ctx.oracle.record(r.batches);
  ctx.oracle.noteOwnWrites(r.batches);
  ctx.trace.emit({ t, k: "work", dev: ctx.node.index, op, n: writes.length });
  return true;
}

/** A commit the replica must refuse: whatever it throws is its refusal. */
async function refusedOrTaken(
  probe: ReplicaProbe,
  writes: readonly WriteOp[],
): Promise<CommitResult> {
  try {
    return await probe.commit(writes);
  } catch (err) {
    return { kind: "refused", reason: err instanceof Error ? err.message : String(err) };
  }
}
