// How long the CLI takes to start, the ways it can be run: the compiled
// build, the bin (which picks the build when it is current), the TypeScript
// sources through tsx (what `pnpm logs` ran before), and `pnpm logs` itself.
// Wall time is the minimum and median of several runs; CPU time is the
// children's, from /proc (Linux), so a busy machine does not inflate it.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export interface StartupRow {
  readonly how: string;
  readonly command: string;
  readonly runs: number;
  readonly minWallMs: number;
  readonly medianWallMs: number;
  /** Median CPU time of the process tree, or null where /proc is not available. */
  readonly medianCpuMs: number | null;
}

const PKG = join(import.meta.dirname, "..");
const RUNS = 5;

// Children's user + system time in ms (fields 16 and 17 of /proc/self/stat, in ticks of 10 ms).
function childCpuMs(): number | null {
  if (!existsSync("/proc/self/stat")) return null;
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;

function measure(how: string, cmd: string, args: string[], cwd: string): StartupRow | null {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = childCpuMs();
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { cwd, stdio: "ignore", timeout: 120_000 });
    walls.push(performance.now() - t0);
    const c1 = childCpuMs();
    if (c0 !== null && c1 !== null) cpus.push(c1 - c0);
    if (r.status !== 0) return null;
  }
  return {
    how,
    command: [cmd === process.execPath ? "node" : cmd, ...args].join(" "),
    runs: RUNS,
    minWallMs: Math.min(...walls),
    medianWallMs: median(walls),
    medianCpuMs: cpus.length === RUNS ? median(cpus) : null,
  };
}

// Builds dist/ as `pnpm install` does, so the bin is measured on a current
// build even when src/ was edited since (it would run the sources then).
function build(notes: string[]): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", join(PKG, "tsconfig.build.json")], {
    stdio: "ignore",
  });
  if (r.status !== 0)
    notes.push("building dist/ failed; the bin rows may be the sources' start-up");
}

/** Start-up rows for `--help` and for `analyze` of a one-line file; notes say what was skipped. */
export function startupSection(tinyLog: string): { rows: StartupRow[]; notes: string[] } {
  const notes: string[] = [];
  build(notes);
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  const compiled = join(PKG, "dist", "cli", "main.js");
  const ways: [string, string, string[]][] = [
    ["bin (runs dist/ when current)", process.execPath, [join(PKG, "bin", "tidemark-logs.mjs")]],
    [
      "sources through tsx (the old `pnpm logs`)",
      process.execPath,
      [tsx, "--conditions=source", join(PKG, "src", "cli", "main.ts")],
    ],
  ];
  if (existsSync(compiled)) ways.unshift(["compiled dist/", process.execPath, [compiled]]);
  else
    notes.push(
      "dist/ is not built (pnpm install runs `prepare`), so the compiled start is not measured",
    );
  const hasPnpm = spawnSync("pnpm", ["--version"], { stdio: "ignore" }).status === 0;
  if (hasPnpm) ways.push(["pnpm logs (from the workspace root)", "pnpm", ["--silent", "logs"]]);
  else notes.push("pnpm is not on PATH, so `pnpm logs` is not measured");
  const rows: StartupRow[] = [];
  for (const [how, cmd, base] of ways) {
    for (const tail of [["--help"], ["analyze", tinyLog]]) {
      const cwd = how.startsWith("pnpm") ? join(PKG, "../..") : PKG;
      const row = measure(how, cmd, [...base, ...tail], cwd);
      if (row === null) notes.push(`${how} ${tail[0]}: the command failed`);
      else rows.push(row);
    }
  }
  return { rows, notes };
}
