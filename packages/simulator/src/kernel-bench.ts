// The simulator's own cost, without the engine: the event queue alone, and
// unary RPCs through the simulated Connect transport (encode, schedule,
// deliver, decode) against a trivial handler.
import { performance } from "node:perf_hooks";
import { Network } from "./network/network.js";
import { type Endpoint, simClient } from "./network/sim-transport.js";
import { Prng } from "./prng.js";
import { Scheduler } from "./scheduler.js";
import { Trace } from "./trace.js";

export type KernelFigures = {
  readonly queueEventsPerSec: number;
  readonly rpcEventsPerSec: number;
};

export async function kernelBench(): Promise<KernelFigures> {
  // 1. Scheduler + queue: 300k no-op events at 1000 distinct instants.
  const s1 = new Scheduler();
  const n1 = 300_000;
  for (let i = 0; i < n1; i++) s1.at(i % 1000, () => {});
  let t = performance.now();
  await s1.run({ until: Number.POSITIVE_INFINITY });
  const queueEventsPerSec = (n1 / (performance.now() - t)) * 1000;

  // 2. RPCs: request + response deliveries + deadline bookkeeping.
  const sched = new Scheduler();
  const net = new Network(2, sched, new Prng(1), new Trace());
  const service = { hello: () => ({ protocolVersion: 1 }) };
  const eps: Endpoint[] = [
    { alive: true, generation: 0, service: undefined },
    { alive: true, generation: 0, service },
  ];
  const client = simClient(sched, net, (i) => eps[i] as Endpoint, 0, 1, {
    defaultTimeoutMs: 10_000,
  });
  const calls = 20_000;
  for (let i = 0; i < calls; i++) sched.at(i, () => void client.hello({}));
  t = performance.now();
  await sched.run({ until: Number.POSITIVE_INFINITY });
  const rpcEventsPerSec = (sched.eventsRun / (performance.now() - t)) * 1000;
  return {
    queueEventsPerSec: Math.round(queueEventsPerSec),
    rpcEventsPerSec: Math.round(rpcEventsPerSec),
  };
}
