// Shared by the engine-backed tests: the implementation under test, loaded once.
import { loadAdapter } from "./engine-binding.js";
import type { EngineAdapter } from "./probe/probe.js";

let cached: Promise<EngineAdapter> | undefined;

export function engine(): Promise<EngineAdapter> {
  cached ??= loadAdapter();
  return cached;
}
