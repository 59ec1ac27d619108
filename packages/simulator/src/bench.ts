// `pnpm bench [--json] [--runs N]`: simulated events per second and
// scenarios per minute on one core, with the real engine, over small
// scenarios (a fixed list of named and random ones). Also reports where the
// wall time goes: engine + SQLite (inside event callbacks), microtask
// draining between instants, and property checks.

import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { SMALL_BOUNDS, scenarioArb } from "./arbitraries.js";
import { loadAdapter } from "./engine-binding.js";
import { cpuMs, kernelBench } from "./kernel-bench.js";
import type { Scenario } from "./scenario.js";
import { SCENARIOS } from "./scenarios/index.js";
import { runScenario } from "./simulation.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: "boolean", default: false }, runs: { type: "string", default: "20" } },
  });
  const adapter = await loadAdapter();
  const scenarios: Scenario[] = [];
  for (const name of [
    "leapfrog",
    "partition-heal",
    "late-joiner",
    "clock-skew",
    "tombstone-horizon",
  ]) {
    const make = SCENARIOS[name];
    if (make !== undefined) scenarios.push(make({ seed: 1, scale: 0.002 }));
  }
  scenarios.push(
    ...fc.sample(scenarioArb(SMALL_BOUNDS), { numRuns: Number(values.runs), seed: 7 }),
  );
  // Warm-up: module loading and JIT are not the simulator's speed.
  await runScenario(scenarios[0] as Scenario, { adapter });
  let events = 0;
  let wall = 0;
  let virtual = 0;
  let messages = 0;
  let ok = 0;
  const t0 = performance.now();
  const c0 = cpuMs();
  for (const s of scenarios) {
    const r = await runScenario(s, { adapter });
    events += r.events;
    wall += r.wallMs;
    virtual += r.virtualMs;
    messages += r.messages;
    if (r.ok) ok++;
  }
  const total = performance.now() - t0;
  const cpu = cpuMs() - c0;
  const kernel = await kernelBench();
  const result = {
    kernelQueueEventsPerSec: kernel.queueEventsPerSec,
    kernelRpcEventsPerSec: kernel.rpcEventsPerSec,
    scenarios: scenarios.length,
    passed: ok,
    events,
    messages,
    wallMs: Math.round(total),
    eventsPerSec: Math.round((events / wall) * 1000),
    eventsPerCpuSec: Math.round((events / cpu) * 1000),
    scenariosPerCpuMin: Math.round((scenarios.length / cpu) * 60_000 * 10) / 10,
    scenariosPerMin: Math.round((scenarios.length / total) * 60_000 * 10) / 10,
    virtualSecondsPerWallSecond: Math.round(virtual / wall),
  };
  if (values.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `simulator bench (one core, real engine, ${result.scenarios} small scenarios, ${ok} passed)`,
    );
    console.log(`  events:              ${events} (${messages} network messages)`);
    console.log(
      `  events/s:            ${result.eventsPerSec} wall, ${result.eventsPerCpuSec} per CPU second`,
    );
    console.log(
      `  scenarios/min:       ${result.scenariosPerMin} wall, ${result.scenariosPerCpuMin} per CPU minute`,
    );
    console.log(`  virtual s per wall s: ${result.virtualSecondsPerWallSecond}`);
    console.log("kernel alone (no engine), per CPU second");
    console.log(`  queue events/s:       ${result.kernelQueueEventsPerSec}`);
    console.log(
      `  RPC events/s:         ${result.kernelRpcEventsPerSec} (encode + deliver + decode + deadline)`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(2);
});
