// The one place the host constructs the engine's Replica.
import { openReplica, type Replica, type ReplicaOptions } from "@tidemark/engine";

/** Opens (and migrates) the replica on `opts.db`, resuming from stored cursors. */
export async function openEngineReplica(opts: ReplicaOptions): Promise<Replica> {
  return openReplica(opts);
}
