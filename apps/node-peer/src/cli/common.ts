// Shared CLI plumbing: global options, output helpers.
import type { Command } from "commander";
import { resolveDataDir } from "../config/data-dir.js";
import type { CommonOptions } from "./target.js";

/** Global options (accepted before or after the command name). */
export function commonOptions(cmd: Command): CommonOptions {
  const o = cmd.optsWithGlobals<{ data?: string; logLevel?: string }>();
  return { data: resolveDataDir(o.data), logLevel: o.logLevel ?? "info" };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function ago(iso: string | null, now = Date.now()): string {
  if (iso === null) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
}
