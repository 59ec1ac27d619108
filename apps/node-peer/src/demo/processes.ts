// Real OS processes for the demo and the end-to-end tests: the `tidemark`
// command exactly as a user runs it (bin/tidemark: the compiled CLI, one
// process each, so SIGKILL hits the peer itself), free ports on
// 127.0.0.1, bounded waits, and a registry that kills every child on any
// exit path.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { dataDirPaths, readServeInfo, type ServeInfo } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";

export { freePort, freePorts } from "./ports.js";

/** The `tidemark` executable (works from src/ under vitest and from dist/). */
export const TIDEMARK_BIN = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "bin",
  "tidemark",
);

/** `node` and the arguments that run `tidemark`. */
export function cliArgv(): [string, string[]] {
  return [process.execPath, [TIDEMARK_BIN]];
}

/** Children started through this module; all are killed on exit. */
const children = new Set<ChildProcess>();

export function killAllChildren(signal: NodeJS.Signals = "SIGKILL"): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  }
}

let exitHookInstalled = false;
const exitHooks: (() => void)[] = [];

/**
 * Kills every child when this process exits, however it exits, then runs
 * `cleanup` (synchronous: it runs in the "exit" event).
 */
export function installExitHook(cleanup?: () => void): void {
  if (cleanup !== undefined) exitHooks.push(cleanup);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    killAllChildren();
    for (const hook of exitHooks.splice(0)) hook();
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      process.stderr.write(`\ninterrupted (${sig}): killing every peer process\n`);
      process.exit(130);
    });
  }
}

export type CliRun = { readonly code: number; readonly stdout: string; readonly stderr: string };

/** Runs one CLI command to completion (bounded by `timeoutMs`). */
export function runCli(args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  const [node, pre] = cliArgv();
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...pre, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new CliError(CliErrorCode.Timeout, `tidemark ${args.join(" ")} took over ${timeoutMs} ms`),
      );
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr });
    });
  });
}

export type ServeProcess = {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/** Starts `tidemark serve` in the background; its terminal output goes to `outFile`. */
export function spawnServe(
  dataDir: string,
  port: number,
  adminPort: number,
  outFile: string,
  extra: readonly string[] = [],
): ServeProcess {
  const [node, pre] = cliArgv();
  const out = openSync(outFile, "a");
  const child = spawn(
    node,
    [
      ...pre,
      "serve",
      "--data",
      dataDir,
      "--port",
      String(port),
      "--admin-port",
      String(adminPort),
      ...extra,
    ],
    { stdio: ["ignore", out, out], env: { ...process.env, NO_COLOR: "1" } },
  );
  children.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, exited };
}

export type StartedServe = ServeProcess & {
  readonly port: number;
  readonly adminPort: number;
  readonly url: string;
};

/**
 * Starts `tidemark serve` on ports the OS picks (port 0) and resolves once
 * it advertises them in serve.json: a port picked ahead by freePort() can
 * be taken by another socket before serve binds it, which fails the start.
 */
export async function startServe(opts: {
  readonly dataDir: string;
  readonly outFile: string;
  readonly extra?: readonly string[];
  readonly timeoutMs?: number;
}): Promise<StartedServe> {
  const proc = spawnServe(opts.dataDir, 0, 0, opts.outFile, opts.extra);
  try {
    const info = await waitForServeInfo(opts.dataDir, proc, opts.timeoutMs ?? 60_000, () =>
      tail(opts.outFile),
    );
    return { ...proc, port: info.port, adminPort: info.adminPort, url: info.url };
  } catch (err) {
    proc.child.kill("SIGKILL");
    await proc.exited;
    throw err;
  }
}

/**
 * Resolves with the serve.json that `proc` wrote once serving; fails at
 * once, with `why()` (e.g. its output's tail), if it exits first.
 */
export async function waitForServeInfo(
  dataDir: string,
  proc: Pick<ServeProcess, "child" | "exited">,
  timeoutMs: number,
  why: () => string = () => "",
): Promise<ServeInfo & { readonly port: number; readonly url: string }> {
  let exit: string | undefined;
  void proc.exited.then(({ code, signal }) => {
    exit = String(signal ?? code);
  });
  const paths = dataDirPaths(dataDir);
  const found = await waitFor(
    `serve in ${dataDir} to listen`,
    () => {
      if (exit !== undefined) return "exited" as const;
      const info = readServeInfo(paths);
      if (info === undefined || info.pid !== proc.child.pid) return undefined;
      const { port, url } = info;
      return port === undefined || url === undefined ? undefined : { ...info, port, url };
    },
    timeoutMs,
    100,
  );
  if (found === "exited") {
    throw new CliError(
      CliErrorCode.Internal,
      `serve in ${dataDir} exited (${exit}) before it listened${why()}`,
    );
  }
  return found;
}

/** The last `lines` lines of a process's output file ("" if it wrote none). */
export function lastLines(file: string, lines: number): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
}

function tail(file: string, lines = 8): string {
  const text = lastLines(file, lines);
  return text === "" ? "" : `; ${file} ends:\n${text}`;
}

/** Polls `check` every `everyMs` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new CliError(
        CliErrorCode.Timeout,
        `timed out after ${timeoutMs} ms waiting for ${what}${why}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Unlinking 10^5 files takes minutes on some disks: a detached `rm -rf`
 * finishes it after we exit (on Windows, synchronously).
 */
export function removeInBackground(path: string): void {
  if (process.platform === "win32") {
    rmSync(path, { recursive: true, force: true });
    return;
  }
  spawn("rm", ["-rf", path], { detached: true, stdio: "ignore" }).unref();
}
