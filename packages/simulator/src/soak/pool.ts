// K worker threads over a list of seed indices. Each worker takes the next
// index when it answers the last one (slow seeds never hold up a batch);
// the pool stops handing out seeds at the deadline or on abort, terminates
// every worker, and resolves only once every thread has exited.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { SeedVerdict, SoakPlan } from "./run-seed.js";
import { scenarioSeed } from "./seeds.js";

export type PoolRequest = { readonly kind: "seed"; readonly index: number };
export type PoolReply =
  | { readonly kind: "ready" }
  | { readonly kind: "verdict"; readonly verdict: SeedVerdict }
  | { readonly kind: "crash"; readonly index: number; readonly message: string };

export type PoolOptions = {
  readonly plan: SoakPlan;
  readonly workers: number;
  readonly indices: readonly number[];
  /** performance.now() after which no new seed starts (running ones finish). */
  readonly deadline?: number;
  /** Abort: terminate every worker now; running seeds are not reported. */
  readonly signal?: AbortSignal;
  readonly onVerdict: (v: SeedVerdict) => void;
};

export type PoolOutcome = {
  readonly stoppedBy: "done" | "time" | "signal";
  readonly spawned: number;
  readonly exited: number;
  /** Mean ms from spawning a worker to its first `ready` (module load, engine open). */
  readonly startupMs: number;
};

/** tsx's ESM API (the CJS entry cannot register hooks from a worker). */
function tsxApi(from: string): string {
  const meta = import.meta as ImportMeta & { resolve?: (s: string) => string };
  if (typeof meta.resolve === "function") return meta.resolve("tsx/esm/api");
  const cjs = createRequire(from).resolve("tsx/esm/api");
  return pathToFileURL(cjs.replace(/\.cjs$/, ".mjs")).href;
}

/** The worker module: compiled JS as is; TypeScript sources through tsx's loader. */
function spawnWorker(plan: SoakPlan): Worker {
  const self = import.meta.url;
  if (!self.endsWith(".ts")) return new Worker(new URL("./worker.js", self), { workerData: plan });
  const target = new URL("./worker.ts", self).href;
  const tsx = tsxApi(self);
  // Node 20 does not run --import loaders before a worker's entry module.
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
  const execArgv = process.execArgv.includes("--conditions=source")
    ? process.execArgv
    : [...process.execArgv, "--conditions=source"];
  return new Worker(boot, { eval: true, workerData: plan, execArgv });
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
  let stoppedBy: PoolOutcome["stoppedBy"] = "done";
  let spawned = 0;
  let exited = 0;
  let startupTotal = 0;
  let startups = 0;
  const live = new Set<Worker>();
  let startFailures = 0;
  let lastError = "";
  let fatal: Error | undefined;
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
      const w = spawnWorker(opts.plan);
      const t0 = performance.now();
      let busy: number | undefined;
      let ready = false;
      spawned++;
      live.add(w);
      const feed = () => {
        busy = nextIndex();
        if (busy === undefined) void w.terminate();
        else w.postMessage({ kind: "seed", index: busy } satisfies PoolRequest);
      };
      w.on("message", (m: PoolReply) => {
        if (m.kind === "ready") {
          ready = true;
          startupTotal += performance.now() - t0;
          startups++;
        } else if (m.kind === "verdict") opts.onVerdict(m.verdict);
        else opts.onVerdict(crashVerdict(opts.plan, m.index, m.message));
        feed();
      });
      w.on("error", (err) => {
        // An uncaught error kills the thread: its seed is a failure, a fresh worker goes on.
        lastError = err.stack ?? err.message;
        if (busy !== undefined) opts.onVerdict(crashVerdict(opts.plan, busy, err.message));
        busy = undefined;
      });
      w.on("exit", () => {
        exited++;
        live.delete(w);
        if (busy !== undefined && !opts.signal?.aborted)
          opts.onVerdict(crashVerdict(opts.plan, busy, "worker exited"));
        const more = busy !== undefined || queue.length > 0;
        busy = undefined;
        if (!ready && !opts.signal?.aborted && ++startFailures >= 3) {
          // A worker that cannot even load would be respawned for ever.
          fatal ??= new Error(`soak workers fail to start: ${lastError}`);
          for (const other of live) void other.terminate();
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
      for (const w of live) void w.terminate();
    });
    const k = Math.max(1, Math.min(opts.workers, queue.length));
    if (queue.length === 0) return resolve({ stoppedBy, spawned, exited, startupMs: 0 });
    for (let i = 0; i < k; i++) start();
  });
}
