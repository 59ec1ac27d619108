// Human summary of one run (CLI, HTML header, test failure messages).
import { describeFailure } from "./properties/index.js";
import type { RunResult } from "./simulation.js";

export function summaryLines(r: RunResult, replay: string): string[] {
  const s = r.scenario;
  return [
    `scenario ${s.name} seed ${s.seed} devices ${s.devices} steps ${s.steps.length}`,
    `converged: ${r.converged ? `yes, ${(r.convergeMs ?? 0).toFixed(1)} virtual ms after heal` : "NO"}`,
    `properties: ${r.failure === undefined ? "all hold" : describeFailure(r.failure)}`,
    `events: ${r.events} in ${r.wallMs.toFixed(0)} ms wall (${Math.round(r.eventsPerSec)} events/s), virtual time ${(r.virtualMs / 1000).toFixed(1)} s`,
    `network: ${r.messages} messages, ${r.bytes} bytes; commits ${r.commits} (${r.changes} changes)`,
    `trace: ${r.traceRecords} records, sha-256 ${r.traceHash}`,
    `replay: ${replay}`,
  ];
}
