// Shared by the engine-backed tests: the real engine's openReplica, loaded once.
import { loadOpenReplica } from "./engine-binding.js";
import type { OpenReplica } from "./node.js";

let cached: Promise<OpenReplica> | undefined;

export function engine(): Promise<OpenReplica> {
  cached ??= loadOpenReplica();
  return cached;
}
