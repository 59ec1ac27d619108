// Shared CLI plumbing: global options, output helpers. Light on purpose:
// every command module loads this at start-up, heavy modules are imported
// inside the actions (so `--help` stays fast).
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

export function say(line = ""): void {
  process.stdout.write(`${line}\n`);
}

export function ago(iso: string | null, now = Date.now()): string {
  if (iso === null) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
}

/** `--data DIR ` when the data dir is not the default, for hints that must work as typed. */
export function dataFlag(data: string): string {
  return data === resolveDataDir(undefined) ? "" : `--data ${data} `;
}

/** Parses a non-negative number of seconds into milliseconds. */
export function seconds(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${what} must be a number of seconds, got "${text}"`);
  return Math.round(n * 1000);
}
