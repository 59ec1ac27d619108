// `pnpm sim`: run one named scenario (or a JSON spec) and print a summary;
// optionally write the JSONL trace, the engines' logs and an HTML
// space-time diagram. Exit code 1 when a property fails, with the exact
// command that replays it.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { loadAdapter } from "./engine-binding.js";
import { renderDiagram } from "./html/diagram.js";
import { namedReplay, specReplay } from "./replay.js";
import type { Scenario } from "./scenario.js";
import { SCENARIO_NAMES, SCENARIOS } from "./scenarios/index.js";
import { seedGapRepair } from "./scenarios/seed-gap-repair.js";
import { runScenario } from "./simulation.js";
import { summaryLines } from "./summary.js";

function usage(variants: readonly string[]): string {
  return `usage: pnpm sim --scenario NAME --seed N [--devices K] [--scale X] [--variant NAME]
                [--json] [--trace FILE] [--html FILE] [--log FILE] [--keep-going]
       pnpm sim --spec FILE|JSON [same output flags]
scenarios: ${SCENARIO_NAMES.join(", ")}
variants (known-bad, injected): ${variants.join(", ")}`;
}

/** pnpm runs scripts in the package dir; resolve user paths against where pnpm was invoked. */
function userPath(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string" },
      spec: { type: "string" },
      seed: { type: "string", default: "1" },
      devices: { type: "string" },
      scale: { type: "string" },
      variant: { type: "string" },
      // The name before variants were injected strategies; same meaning.
      bug: { type: "string" },
      json: { type: "boolean", default: false },
      trace: { type: "string" },
      html: { type: "string" },
      log: { type: "string" },
      // Run to the end after a safety violation (logs show what came next).
      "keep-going": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  const adapter = await loadAdapter();
  if (values.help || (values.scenario === undefined && values.spec === undefined)) {
    console.log(usage(adapter.variants));
    return values.help ? 0 : 2;
  }
  const variant = values.variant ?? values.bug;
  if (variant !== undefined && !adapter.variants.includes(variant))
    throw new Error(`unknown variant ${variant}; one of ${adapter.variants.join(", ")}`);
  let scenario: Scenario;
  let replay: string;
  if (values.spec !== undefined) {
    const text = values.spec.trimStart().startsWith("{")
      ? values.spec
      : readFileSync(userPath(values.spec), "utf8");
    scenario = JSON.parse(text) as Scenario;
    if (variant !== undefined) scenario = { ...scenario, variant };
    replay = specReplay(scenario);
  } else {
    const name = values.scenario as string;
    const make = SCENARIOS[name];
    if (make === undefined)
      throw new Error(`unknown scenario ${name}; one of ${SCENARIO_NAMES.join(", ")}`);
    const seed = Number.parseInt(values.seed, 10);
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new Error(`--seed must be a non-negative integer, got ${values.seed}`);
    const devices = values.devices === undefined ? undefined : Number.parseInt(values.devices, 10);
    if (devices !== undefined && (!(devices >= 2) || devices > 8))
      throw new Error("--devices must be 2..8");
    const scale = values.scale === undefined ? undefined : Number(values.scale);
    if (scale !== undefined && !(scale > 0 && scale <= 10))
      throw new Error("--scale must be in (0, 10]");
    const params = {
      seed,
      ...(devices === undefined ? {} : { devices }),
      ...(scale === undefined ? {} : { scale }),
    };
    scenario = make(params);
    if (variant !== undefined) scenario = { ...scenario, variant };
    replay = namedReplay({ kind: "named", name, ...params, variant });
  }
  // seed-gap --json also reports what the repair moved (from trace and logs).
  const repairWanted = values.json === true && scenario.name === "seed-gap";
  const keepTrace = values.trace !== undefined || values.html !== undefined || repairWanted;
  // Progress on stderr every ~5 s of wall time, for long (large-scale) runs.
  let lastReport = performance.now();
  const onProgress = (virtualMs: number, events: number) => {
    const now = performance.now();
    if (now - lastReport < 5_000) return;
    lastReport = now;
    process.stderr.write(`  … virtual ${(virtualMs / 1000).toFixed(1)} s, ${events} events\n`);
  };
  const r = await runScenario(scenario, {
    adapter,
    keepTrace,
    onProgress,
    keepGoing: values["keep-going"],
    keepLogs: values.log !== undefined || repairWanted,
  });
  const lines = summaryLines(r, replay);
  if (values.trace !== undefined)
    writeFileSync(userPath(values.trace), `${r.traceLines.join("\n")}\n`);
  if (values.log !== undefined) writeFileSync(userPath(values.log), r.logText);
  if (values.html !== undefined) {
    writeFileSync(
      userPath(values.html),
      renderDiagram({
        title: `tidemark sim: ${scenario.name} seed ${scenario.seed}`,
        devices: scenario.devices,
        records: r.world.trace.records(),
        summary: lines,
      }),
    );
  }
  if (values.json) {
    console.log(
      JSON.stringify({
        scenario: scenario.name,
        seed: scenario.seed,
        devices: scenario.devices,
        ok: r.ok,
        converged: r.converged,
        convergeVirtualMs: r.convergeMs ?? null,
        failure: r.failure ?? null,
        events: r.events,
        eventsPerSec: Math.round(r.eventsPerSec),
        wallMs: Math.round(r.wallMs),
        virtualMs: r.virtualMs,
        messages: r.messages,
        bytes: r.bytes,
        commits: r.commits,
        changes: r.changes,
        traceHash: r.traceHash,
        traceRecords: r.traceRecords,
        replay,
        ...(repairWanted && r.ok ? { repair: seedGapRepair(r) } : {}),
      }),
    );
  } else {
    for (const l of lines) console.log(l);
  }
  if (!r.ok) console.error(`FAILED — replay with: ${replay}`);
  return r.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
