// K worker processes over a list of seed indices. Each worker takes the
// next index when it answers the last one (slow seeds never hold up a
// batch); the pool stops handing out seeds at the deadline or on abort,
// kills every worker, and resolves only once every process has exited.
// Processes, not threads: a V8 flag is process-wide, and when every core
// runs a seed V8's background GC and compiler threads only steal from the
// other workers, so each worker then runs single-threaded (see v8Mode).
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SeedVerdict, SoakPlan } from "./run-seed.js";
import { scenarioSeed } from "./seeds.js";

export type PoolRequest = { readonly kind: "seed"; readonly index: number };
/** `cpuMs`: the worker's own CPU time so far (the pool sums the workers'). */
export type PoolReply =
  | { readonly kind: "ready" }
  | { readonly kind: "verdict"; readonly verdict: SeedVerdict; readonly cpuMs: number }
  | {
      readonly kind: "crash";
      readonly index: number;
      readonly message: string;
      readonly cpuMs: number;
    };

/**
 * `background`: V8 as usual, with its GC and compiler helper threads (one
 * worker then keeps about 1.2 cores busy, which pays when cores are spare).
 * `single-threaded`: V8's `--single-threaded`, all of a worker's work on
 * its own thread (pays when the workers fill every core).
 */
export type V8Mode = "background" | "single-threaded";

/** The mode a pool of `workers` picks by itself on this machine. */
export function v8Mode(workers: number, cores = availableParallelism()): V8Mode {
  return workers >= cores ? "single-threaded" : "background";
}

export type PoolOptions = {
  readonly plan: SoakPlan;
  readonly workers: number;
  readonly indices: readonly number[];
  /** performance.now() after which no new seed starts (running ones finish). */
  readonly deadline?: number;
  /** Abort: kill every worker now; running seeds are not reported. */
  readonly signal?: AbortSignal;
  /** Default: `v8Mode(workers)`. */
  readonly v8?: V8Mode | undefined;
  readonly onVerdict: (v: SeedVerdict) => void;
};

export type PoolOutcome = {
  readonly stoppedBy: "done" | "time" | "signal";
  readonly spawned: number;
  readonly exited: number;
  /** Mean ms from spawning a worker to its first `ready` (module load, engine open). */
  readonly startupMs: number;
  readonly v8: V8Mode;
  /** CPU ms the workers reported (their last report each; the pool's own is not counted). */
  readonly workerCpuMs: number;
};

/** The worker module: compiled JS as is; TypeScript sources through tsx's loader. */
function spawnWorker(plan: SoakPlan, mode: V8Mode): ChildProcess {
  const self = import.meta.url;
  const source = self.endsWith(".ts");
  const entry = fileURLToPath(new URL(source ? "./worker.ts" : "./worker.js", self));
  // tsx resolved here, not from the caller's working directory.
  const tsx = () => pathToFileURL(createRequire(self).resolve("tsx")).href;
  const loader = source ? ["--conditions=source", "--import", tsx()] : [];
  const v8 = mode === "single-threaded" ? ["--single-threaded"] : [];
  return fork(entry, [JSON.stringify(plan)], {
    execArgv: [...loader, ...v8],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
}

export function crashVerdict(plan: SoakPlan, index: number, message: string): SeedVerdict {
  return {
    index,
    scenarioSeed: scenarioSeed(plan.seed, index),
    ok: false,
    property: "harness-error",
    detail: `worker crashed: ${message}`,
    devices: 0,
    steps: 0,
    events: 0,
    wallMs: 0,
    traceHash: "",
  };
}

export function runPool(opts: PoolOptions): Promise<PoolOutcome> {
  const queue = [...opts.indices];
  const mode = opts.v8 ?? v8Mode(opts.workers);
  let stoppedBy: PoolOutcome["stoppedBy"] = "done";
  let spawned = 0;
  let exited = 0;
  let startupTotal = 0;
  let startups = 0;
  let workerCpuMs = 0;
  const live = new Set<ChildProcess>();
  let startFailures = 0;
  let lastError = "";
  let fatal: Error | undefined;
  const stop = (w: ChildProcess) => {
    if (w.exitCode === null && w.signalCode === null) w.kill();
  };
  return new Promise((resolve, reject) => {
    const finishIfIdle = () => {
      if (live.size > 0) return;
      if (fatal !== undefined) reject(fatal);
      else
        resolve({
          stoppedBy,
          spawned,
          exited,
          startupMs: startups === 0 ? 0 : startupTotal / startups,
          v8: mode,
          workerCpuMs,
        });
    };
    const nextIndex = (): number | undefined => {
      if (opts.signal?.aborted) return undefined;
      if (opts.deadline !== undefined && performance.now() >= opts.deadline) {
        if (queue.length > 0) stoppedBy = "time";
        return undefined;
      }
      return queue.shift();
    };
    const start = () => {
      const w = spawnWorker(opts.plan, mode);
      const t0 = performance.now();
      let busy: number | undefined;
      let ready = false;
      let cpuMs = 0;
      spawned++;
      live.add(w);
      const feed = () => {
        busy = nextIndex();
        if (busy === undefined) stop(w);
        else w.send({ kind: "seed", index: busy } satisfies PoolRequest);
      };
      w.on("message", (m: PoolReply) => {
        if (m.kind === "ready") {
          ready = true;
          startupTotal += performance.now() - t0;
          startups++;
        } else {
          cpuMs = m.cpuMs;
          if (m.kind === "verdict") opts.onVerdict(m.verdict);
          else opts.onVerdict(crashVerdict(opts.plan, m.index, m.message));
        }
        feed();
      });
      w.on("error", (err) => {
        // Spawning or messaging failed: its seed is a failure, a fresh worker goes on.
        lastError = err.stack ?? err.message;
        stop(w);
      });
      w.on("exit", (code, signal) => {
        exited++;
        live.delete(w);
        workerCpuMs += cpuMs;
        if (busy !== undefined && !opts.signal?.aborted)
          opts.onVerdict(
            crashVerdict(opts.plan, busy, `worker exited (${signal ?? `code ${code}`})`),
          );
        const more = busy !== undefined || queue.length > 0;
        busy = undefined;
        if (!ready && !opts.signal?.aborted && ++startFailures >= 3) {
          // A worker that cannot even load would be respawned for ever.
          fatal ??= new Error(`soak workers fail to start: ${lastError || `exit ${code}`}`);
          for (const other of live) stop(other);
        } else if (more && fatal === undefined && nextIndexAvailable()) start();
        finishIfIdle();
      });
    };
    const nextIndexAvailable = () =>
      !opts.signal?.aborted &&
      queue.length > 0 &&
      (opts.deadline === undefined || performance.now() < opts.deadline);
    opts.signal?.addEventListener("abort", () => {
      stoppedBy = "signal";
      for (const w of live) stop(w);
    });
    const k = Math.max(1, Math.min(opts.workers, queue.length));
    if (queue.length === 0)
      return resolve({ stoppedBy, spawned, exited, startupMs: 0, v8: mode, workerCpuMs: 0 });
    for (let i = 0; i < k; i++) start();
  });
}
