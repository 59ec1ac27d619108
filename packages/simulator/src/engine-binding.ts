// The implementation under test. By default the reference engine through
// its adapter; TIDEMARK_ENGINE_ADAPTER points the simulator at another
// module whose `adapter` export is an EngineAdapter (another engine, or a
// build of ours under test).
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tidemarkEngine } from "./adapters/tidemark-engine.js";
import type { EngineAdapter } from "./probe/probe.js";

export async function loadAdapter(): Promise<EngineAdapter> {
  const spec = process.env.TIDEMARK_ENGINE_ADAPTER;
  if (spec === undefined || spec === "") return tidemarkEngine as EngineAdapter;
  // A path is relative to where the user ran pnpm; anything else is a package name.
  const target =
    spec.startsWith(".") || isAbsolute(spec)
      ? pathToFileURL(resolve(process.env.INIT_CWD ?? process.cwd(), spec)).href
      : spec;
  const mod = (await import(target)) as Record<string, unknown>;
  const a = mod.adapter as Partial<EngineAdapter> | undefined;
  if (typeof a?.open !== "function" || typeof a.corrupt !== "function")
    throw new Error(`${spec} does not export an EngineAdapter named \`adapter\``);
  return a as EngineAdapter;
}
