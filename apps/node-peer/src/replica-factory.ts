// The one place the host constructs the engine's Replica.

import type { Replica, ReplicaOptions } from "@tidemark/engine";
import * as engine from "@tidemark/engine";
import { CliError, CliErrorCode } from "./errors.js";

type OpenReplica = (opts: ReplicaOptions) => Replica | Promise<Replica>;

/** Opens a replica with the engine's `openReplica` (sync or async). */
export async function openEngineReplica(opts: ReplicaOptions): Promise<Replica> {
  let open = (engine as unknown as { openReplica?: OpenReplica }).openReplica;
  if (typeof open !== "function") {
    // INTERIM (uncommitted): until @tidemark/engine re-exports openReplica.
    const entry = import.meta.resolve("@tidemark/engine");
    const mod = (await import(new URL("./replica.ts", entry).href)) as {
      openReplica?: OpenReplica;
    };
    open = mod.openReplica;
  }
  if (typeof open !== "function") {
    throw new CliError(
      CliErrorCode.Internal,
      "@tidemark/engine does not export openReplica() yet",
      "update the workspace (packages/engine)",
    );
  }
  return await open(opts);
}
