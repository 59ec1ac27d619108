// The real engine's factory. Loaded lazily so this package typechecks and
// its engine-free tests run without it. TIDEMARK_ENGINE_MODULE points the
// simulator at another module exporting openReplica (e.g. a build under
// test); by default it is @tidemark/engine.
import type { OpenReplica } from "./node.js";

export async function loadOpenReplica(): Promise<OpenReplica> {
  const spec = process.env.TIDEMARK_ENGINE_MODULE ?? "@tidemark/engine";
  const mod = (await import(spec)) as Record<string, unknown>;
  const f = mod.openReplica;
  if (typeof f !== "function") throw new Error(`${spec} does not export openReplica()`);
  return f as OpenReplica;
}
