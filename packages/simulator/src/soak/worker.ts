// A soak worker process: takes seed indices from the pool over IPC, one at
// a time, and answers each with its verdict and its CPU time so far. It
// holds no timers or handles of its own between seeds; the pool kills it
// when no seed is left, and it exits by itself if the pool goes away.
import { loadAdapter } from "../engine-binding.js";
import type { PoolReply, PoolRequest } from "./pool.js";
import { runSeed, type SoakPlan } from "./run-seed.js";

const send = process.send?.bind(process);
if (send === undefined) throw new Error("soak/worker.ts runs as a child process of the soak pool");
const reply = (m: PoolReply) => send(m);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const plan = JSON.parse(process.argv[2] ?? "null") as SoakPlan;
const adapter = await loadAdapter();

process.on("disconnect", () => process.exit(0));
// Ctrl-C reaches the whole process group: the pool decides, and kills us.
process.on("SIGINT", () => {});
process.on("message", (req: PoolRequest) => {
  runSeed(adapter, plan, req.index).then(
    ({ verdict }) => reply({ kind: "verdict", verdict, cpuMs: cpuMs() }),
    (err: unknown) =>
      reply({
        kind: "crash",
        index: req.index,
        message: err instanceof Error ? (err.stack ?? err.message) : String(err),
        cpuMs: cpuMs(),
      }),
  );
});
reply({ kind: "ready" });
