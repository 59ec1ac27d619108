// A soak worker thread: takes seed indices from the pool, one at a time,
// and answers each with its verdict. It holds no timers or handles of its
// own between seeds; the pool terminates it when no seed is left.
import { parentPort, workerData } from "node:worker_threads";
import { loadAdapter } from "../engine-binding.js";
import type { PoolReply, PoolRequest } from "./pool.js";
import { runSeed, type SoakPlan } from "./run-seed.js";

const port = parentPort;
if (port === null) throw new Error("soak/worker.ts runs as a worker thread only");
const plan = workerData as SoakPlan;
const adapter = await loadAdapter();

port.on("message", (req: PoolRequest) => {
  runSeed(adapter, plan, req.index).then(
    ({ verdict }) => port.postMessage({ kind: "verdict", verdict } satisfies PoolReply),
    (err: unknown) =>
      port.postMessage({
        kind: "crash",
        index: req.index,
        message: err instanceof Error ? (err.stack ?? err.message) : String(err),
      } satisfies PoolReply),
  );
});
port.postMessage({ kind: "ready" } satisfies PoolReply);
