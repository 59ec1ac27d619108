// The simulator's own cost, without the engine: the event queue alone, and
// unary RPCs through the simulated Connect transport (encode, schedule,
// deliver, decode) against a trivial handler.
import { Network } from "./network/network.js";
import { type Endpoint, simClient } from "./network/sim-transport.js";
import { Prng } from "./prng.js";
import { Scheduler } from "./scheduler.js";
import { Trace } from "./trace.js";

/** CPU time of this process (user + system), ms: steadier than wall time on a shared box. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export type KernelFigures = {
  readonly queueEventsPerSec: number;
  readonly rpcEventsPerSec: number;
};

export async function kernelBench(): Promise<KernelFigures> {
  // 1. Scheduler + queue: 300k no-op events at 1000 distinct instants.
  const s1 = new Scheduler();
  const n1 = 300_000;
  for (let i = 0; i < n1; i++) s1.at(i % 1000, () => {});
  let t = cpuMs();
  await s1.run({ until: Number.POSITIVE_INFINITY });
  const queueEventsPerSec = (n1 / (cpuMs() - t)) * 1000;

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
  t = cpuMs();
  await sched.run({ until: Number.POSITIVE_INFINITY });
  const rpcEventsPerSec = (sched.eventsRun / (cpuMs() - t)) * 1000;
  return {
    queueEventsPerSec: Math.round(queueEventsPerSec),
    rpcEventsPerSec: Math.round(rpcEventsPerSec),
  };
}
