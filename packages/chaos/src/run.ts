// One chaos run: peers from the command template behind the fault proxy,
// the schedule's steps at their times, then heal (links calm, every peer
// up, Connect everywhere) and judge with the simulator's properties. The
// run is bounded, uses 127.0.0.1 and a temp dir only, and stops every
// process it started on any exit path.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { idFromHex, idToHex } from "@tidemark/engine";
import { freePorts } from "@tidemark/node-peer/processes";
import {
  describeFailure,
  Oracle,
  Prng,
  type PropertyFailure,
  renderDiagram,
  uuidv7,
} from "@tidemark/simulator";
import { remoteProbe } from "@tidemark/simulator/probe";
import { LinkTable } from "./link-faults.js";
import { type ControlClient, killAllPeers, PeerProcess } from "./peers.js";
import { FaultProxy } from "./proxy.js";
import { Recorder } from "./recorder.js";
import { sampleSafety } from "./safety.js";
import type { Schedule } from "./schedule.js";
import { runStep, type StepWorld } from "./steps.js";
import { shellQuote } from "./template.js";
import { ingestOwn, judge, settleOwn } from "./verdict.js";
import { answersWellFormed, requestsWellFormed } from "./well-formed.js";
import { Workload } from "./workload.js";

export type ChaosOptions = {
  readonly schedule: Schedule;
  /** Starts one peer: placeholders {dir} {port} {index} {name} {library}. */
  readonly peerCmd: string;
  /** Run once per peer before its first start (same placeholders). */
  readonly initCmd?: string;
  /** Where the commands run (default: this process's cwd). */
  readonly cwd?: string;
  /** Where schedule.json, trace.jsonl and diagram.html go. */
  readonly outDir: string;
  /** Keep the peers' temp dirs (data and logs) after the run. */
  readonly keep?: boolean;
  /** Most ms a peer may take to answer TestControl after a start. */
  readonly readyMs?: number;
  /** How TestControl is called: the Connect protocol (default) or gRPC. */
  readonly controlProtocol?: "connect" | "grpc";
  /** Stop waiting for convergence once nothing moved for this long. */
  readonly quietMs?: number;
  readonly progress?: (line: string) => void;
  /** Aborts the run (SIGINT): everything is stopped and cleaned up. */
  readonly signal?: AbortSignal;
};

export type ChaosResult = {
  readonly ok: boolean;
  readonly failures: readonly PropertyFailure[];
  /** Ms from the heal until the properties held (or the wait ended). */
  readonly healedInMs: number;
  readonly calls: number;
  readonly cutCalls: number;
  /** Calls forwarded after a later arrival on the same link (reordered). */
  readonly overtakenCalls: number;
  /** Requests the proxy read whole and checked against the message rules. */
  readonly checkedRequests: number;
  /** Answers the proxy read whole and checked against the rules for their request. */
  readonly checkedAnswers: number;
  readonly commits: number;
  readonly changes: number;
  readonly killsMidBackfill: number;
  readonly notes: readonly string[];
  readonly files: { readonly schedule: string; readonly trace: string; readonly diagram: string };
  /** The command line that replays this run's schedule. */
  readonly replay: string;
  /** The peers' temp dir (removed unless `keep`). */
  readonly workDir: string;
};

export class ChaosAborted extends Error {
  override readonly name = "ChaosAborted";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The peers as started: their ids, and how to (re)send each its peer list. */
type Booted = {
  readonly deviceIds: readonly string[];
  readonly pendingBufferMax: number;
  readonly rewire: (dev: number) => Promise<void>;
};

function clientOf(p: PeerProcess): ControlClient {
  if (p.client === undefined) throw new Error(`peer ${p.spec.index} has no TestControl client`);
  return p.client;
}

/** Inits and starts every peer, checks they share the library, wires them through the proxy. */
async function boot(
  peers: readonly PeerProcess[],
  proxy: FaultProxy,
  recorder: Recorder,
  say: (line: string) => void,
): Promise<Booted> {
  for (const p of peers) p.init();
  await Promise.all(peers.map((p) => p.start()));
  const infos = await Promise.all(peers.map((p) => clientOf(p).info({})));
  const deviceIds = infos.map((i) => idToHex(i.deviceId));
  const libraries = new Set(infos.map((i) => idToHex(i.libraryId)));
  if (libraries.size !== 1) {
    throw new Error(
      `peers are in different libraries (${[...libraries].join(", ")}): the init command must use {library}`,
    );
  }
  say(`library   ${[...libraries][0]} (${infos[0]?.implementation ?? "?"})`);
  const rewire = async (dev: number) => {
    await peers[dev]?.client?.setPeers({
      peers: deviceIds.flatMap((id, j) =>
        j === dev ? [] : [{ deviceId: idFromHex(id), url: proxy.urlFor(dev, j) }],
      ),
    });
  };
  for (const [i] of peers.entries()) {
    await rewire(i);
    recorder.emit("start", { dev: i, gen: 1 });
  }
  return {
    deviceIds,
    pendingBufferMax: infos[0]?.pendingBufferMax || Number.MAX_SAFE_INTEGER,
    rewire,
  };
}

/** What the run samples while faults go on: buffer peaks, and the first safety violation. */
type Sampling = { readonly peaks: Map<string, number>; safety: PropertyFailure | undefined };

/**
 * Samples every live peer until stopped: its held realtime changes (the
 * peak), and about once a second the cursor invariant (safety.ts).
 */
function sample(
  peers: readonly PeerProcess[],
  deviceIds: readonly string[],
  oracle: Oracle,
  recorder: Recorder,
  out: Sampling,
) {
  let on = true;
  let lastSafety = 0;
  const loop = (async () => {
    while (on) {
      const live = peers.flatMap((p, index) =>
        p.alive && p.client !== undefined
          ? [{ index, deviceId: deviceIds[index] as string, probe: remoteProbe(p.client) }]
          : [],
      );
      const safetyNow = out.safety === undefined && Date.now() - lastSafety > 1_000;
      if (safetyNow) lastSafety = Date.now();
      for (const p of live) {
        try {
          const g = await p.probe.gauges();
          for (const [k, v] of Object.entries(g))
            out.peaks.set(k, Math.max(out.peaks.get(k) ?? 0, v));
          if (safetyNow) await settleOwn(oracle, p);
          const f =
            safetyNow && out.safety === undefined ? await sampleSafety(p, live, oracle) : undefined;
          if (f !== undefined) {
            out.safety = {
              ...f,
              detail: `during the run (${(recorder.now() / 1000).toFixed(1)} s): ${f.detail}`,
            };
            recorder.emit("property", {
              ok: false,
              property: f.property,
              detail: out.safety.detail.slice(0, 200),
            });
          }
        } catch {
          // killed meanwhile
        }
      }
      await sleep(300);
    }
  })();
  return async () => {
    on = false;
    await loop;
  };
}

/** Every step at its time; then waits for the workload still running. */
async function chaosPhase(w: StepWorld, s: Schedule, signal: AbortSignal | undefined) {
  w.recorder.emit("phase", { name: "chaos" });
  const t0 = w.recorder.now();
  for (const step of s.steps) {
    if (signal?.aborted) throw new ChaosAborted("interrupted");
    const wait = t0 + step.at - w.recorder.now();
    if (wait > 0) await sleep(wait);
    w.say(describeStep(step));
    await runStep(w, step);
  }
  await Promise.all(w.pending);
  if (signal?.aborted) throw new ChaosAborted("interrupted");
}

/** Links calm, every peer up, Connect for every pair; then judged by the properties. */
async function healPhase(
  w: StepWorld,
  booted: Booted,
  peaks: ReadonlyMap<string, number>,
  o: ChaosOptions,
) {
  w.recorder.emit("phase", { name: "heal" });
  w.say("heal: links calm, every peer up, Connect everywhere");
  w.links.healAll();
  for (const [i, p] of w.peers.entries()) {
    if (p.alive) continue;
    await p.start();
    await booted.rewire(i);
    w.recorder.emit("start", { dev: i, gen: p.generation });
  }
  const connectAll = async () => {
    for (const [i, p] of w.peers.entries())
      for (const [j, id] of booted.deviceIds.entries())
        if (i !== j) await clientOf(p).connect({ deviceId: idFromHex(id) });
  };
  await connectAll();
  return judge(
    w.peers.map((p, index) => ({
      index,
      deviceId: booted.deviceIds[index] as string,
      probe: remoteProbe(clientOf(p)),
    })),
    {
      oracle: w.oracle,
      bufferPeaks: peaks,
      pendingBufferMax: booted.pendingBufferMax,
      healMs: o.schedule.healMs,
      quietMs: o.quietMs ?? 20_000,
      progress: w.say,
      nudge: async () => {
        w.say("nothing moved for a while: Connect everywhere again");
        await connectAll();
      },
    },
  );
}

function outFiles(outDir: string): ChaosResult["files"] {
  mkdirSync(outDir, { recursive: true });
  return {
    schedule: join(outDir, "schedule.json"),
    trace: join(outDir, "trace.jsonl"),
    diagram: join(outDir, "diagram.html"),
  };
}

function replayLine(o: ChaosOptions, schedule: string): string {
  return [
    "tidemark-chaos --schedule",
    shellQuote(schedule),
    ...(o.initCmd === undefined ? [] : ["--init-cmd", shellQuote(o.initCmd)]),
    "--peer-cmd",
    shellQuote(o.peerCmd),
  ].join(" ");
}

/** What the proxy saw of the messages themselves (well-formed.ts). */
function wireFailures(recorder: Recorder): PropertyFailure[] {
  return [requestsWellFormed, answersWellFormed]
    .map((check) => check(recorder.records()))
    .filter((f) => f !== undefined);
}

/** The proxied calls, as the summary counts them. */
function callCounts(recorder: Recorder) {
  return {
    calls: recorder.count("send") + recorder.count("drop"),
    cutCalls: recorder.count("drop"),
    overtakenCalls: recorder.count("send", (x) => x.overtaken === true),
    checkedRequests: recorder.count("send", (x) => x.checked === true),
    checkedAnswers: recorder.count("send", (x) => x.answerChecked === true),
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const s = o.schedule;
  const say = o.progress ?? (() => undefined);
  const files = outFiles(o.outDir);
  writeFileSync(files.schedule, `${JSON.stringify(s, null, 2)}\n`);
  const workDir = mkdtempSync(join(tmpdir(), "tidemark-chaos-"));
  const recorder = new Recorder(files.trace);
  const links = new LinkTable(s.peers, s.proxySeed);
  const ports = await freePorts(s.peers);
  const libraryId = idToHex(uuidv7(Date.now(), new Prng(s.seed).fork("library")));
  const proxy = new FaultProxy({
    peers: s.peers,
    links,
    recorder,
    targetPort: (i) => ports[i] as number,
    libraryId: idFromHex(libraryId),
  });
  const peers = ports.map(
    (port, index) =>
      new PeerProcess({
        index,
        dir: join(workDir, `peer${index}`),
        port,
        peerCmd: o.peerCmd,
        initCmd: o.initCmd,
        libraryId,
        readyMs: o.readyMs ?? 120_000,
        controlProtocol: o.controlProtocol ?? "connect",
        cwd: o.cwd ?? process.cwd(),
      }),
  );
  const oracle = new Oracle();
  const sampling: Sampling = { peaks: new Map(), safety: undefined };
  let stopSampling: (() => Promise<void>) | undefined;
  try {
    await proxy.start();
    say(`peers     ${s.peers}, temp dir ${workDir}`);
    const booted = await boot(peers, proxy, recorder, say);
    for (const [index, p] of peers.entries())
      await ingestOwn(oracle, {
        index,
        deviceId: booted.deviceIds[index] as string,
        probe: remoteProbe(clientOf(p)),
      });
    stopSampling = sample(peers, booted.deviceIds, oracle, recorder, sampling);
    const world: StepWorld = {
      peers,
      deviceIds: booted.deviceIds,
      proxy,
      links,
      recorder,
      workload: new Workload(s.seed, oracle),
      oracle,
      pending: [],
      notes: [],
      say: (line) => say(`[${(recorder.now() / 1000).toFixed(1).padStart(5)}s] ${line}`),
      rewire: booted.rewire,
    };
    await chaosPhase(world, s, o.signal);
    const judged = await healPhase(world, booted, sampling.peaks, o);
    await stopSampling();
    const failures = [
      ...(sampling.safety === undefined ? [] : [sampling.safety]),
      ...wireFailures(recorder),
      ...judged.failures,
    ];
    const first = failures[0];
    recorder.emit(
      "property",
      first === undefined
        ? { ok: true }
        : { ok: false, property: first.property, detail: first.detail.slice(0, 200) },
    );
    const result: ChaosResult = {
      ok: failures.length === 0,
      failures,
      healedInMs: judged.waitedMs,
      ...callCounts(recorder),
      commits: oracle.commits,
      changes: oracle.changes,
      killsMidBackfill: recorder.count("fault", (r) => r.op === "kill-mid-backfill"),
      notes: world.notes,
      files,
      workDir,
      replay: replayLine(o, files.schedule),
    };
    writeFileSync(
      files.diagram,
      renderDiagram({
        title: `tidemark-chaos seed ${s.seed}: ${result.ok ? "converged" : "FAILED"}`,
        devices: s.peers,
        records: recorder.records(),
        summary: summaryLines(result, s),
      }),
    );
    return result;
  } finally {
    await stopSampling?.();
    await Promise.allSettled(peers.map((p) => p.stop()));
    killAllPeers();
    await proxy.close();
    await recorder.close();
    if (o.keep !== true) rmSync(workDir, { recursive: true, force: true });
  }
}

function describeStep(step: Schedule["steps"][number]): string {
  const { at: _at, do: op, ...rest } = step;
  const args = Object.entries(rest)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
  return `${op} ${args}`;
}

/** The verdict in a few lines (CLI output and the diagram's header). */
export function summaryLines(r: ChaosResult, s: Schedule): string[] {
  const lines = [
    r.ok
      ? `CONVERGED: every property holds (${s.peers} peers, seed ${s.seed}, healed in ${(r.healedInMs / 1000).toFixed(1)} s)`
      : `FAILED: ${r.failures.length} propert${r.failures.length === 1 ? "y" : "ies"} violated (${s.peers} peers, seed ${s.seed})`,
    ...r.failures.map((f) => `  ${describeFailure(f)}`),
    `workload  ${r.commits} commits, ${r.changes} changes`,
    `network   ${r.calls} proxied calls: ${r.cutCalls} cut by faults, ${r.overtakenCalls} overtaken by a later call; ${r.killsMidBackfill} SIGKILL mid-Backfill; ${r.checkedRequests} requests and ${r.checkedAnswers} answers checked against the message rules`,
    ...r.notes.map((n) => `note      ${n}`),
    `replay    ${r.replay}`,
  ];
  return lines;
}
