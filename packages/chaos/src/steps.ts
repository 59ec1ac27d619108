// Carries out one schedule step against the running world: workload steps
// through TestControl (started, not awaited, so they overlap the faults),
// link faults in the proxy's table, process faults on the peer processes.
import type { Oracle, TraceValue } from "@tidemark/simulator";
import { remoteProbe } from "@tidemark/simulator/probe";
import type { LinkTable } from "./link-faults.js";
import type { PeerProcess } from "./peers.js";
import type { FaultProxy } from "./proxy.js";
import type { Recorder } from "./recorder.js";
import type { ChaosStep } from "./schedule.js";
import type { Workload } from "./workload.js";

/** How long kill-mid-backfill waits for a Backfill to start (a loaded box is slow to rejoin). */
const BACKFILL_WAIT_MS = 60_000;

export type StepWorld = {
  readonly peers: readonly PeerProcess[];
  readonly deviceIds: readonly string[];
  readonly proxy: FaultProxy;
  readonly links: LinkTable;
  readonly recorder: Recorder;
  readonly workload: Workload;
  readonly oracle: Oracle;
  /** Workload steps still running. */
  readonly pending: Promise<void>[];
  readonly notes: string[];
  readonly say: (line: string) => void;
  /** Re-sends the peer list after a restart (an implementation may not keep it). */
  readonly rewire: (dev: number) => Promise<void>;
};

function fields(step: ChaosStep): Record<string, TraceValue> {
  const out: Record<string, TraceValue> = {};
  for (const [k, v] of Object.entries(step)) if (k !== "at") out[k === "do" ? "op" : k] = v;
  return out;
}

function workStep(w: StepWorld, step: ChaosStep & { dev: number }): void {
  const peer = w.peers[step.dev];
  const self = w.deviceIds[step.dev];
  if (peer?.client === undefined || !peer.alive || self === undefined) {
    w.recorder.emit("skip", { ...fields(step), dev: step.dev, why: "peer down" });
    return;
  }
  const probe = remoteProbe(peer.client);
  const run = async () => {
    const r =
      step.do === "index"
        ? await w.workload.index(probe, self, step.entries)
        : step.do === "delete"
          ? await w.workload.deleteFiles(probe, self, step.count)
          : await w.workload.tags(probe, step.do === "tags" ? step.count : 0);
    w.recorder.emit("work", { dev: step.dev, op: step.do, n: r.changes, commits: r.commits });
  };
  w.pending.push(
    run().catch((err: unknown) => {
      // The peer died under the workload: what it committed is in its own stream.
      w.recorder.emit("skip", { dev: step.dev, op: step.do, why: String(err).slice(0, 160) });
    }),
  );
}

async function killMidBackfill(w: StepWorld, dev: number): Promise<void> {
  const trap = w.proxy.backfillTraps.arm(dev);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => {
    timer = setTimeout(r, BACKFILL_WAIT_MS, undefined);
  });
  const call = await Promise.race([trap.caught, timeout]);
  clearTimeout(timer);
  await w.peers[dev]?.kill();
  w.proxy.dropUpstream(dev);
  trap.release();
  if (call === undefined) {
    w.notes.push(
      `kill-mid-backfill d${dev}: no Backfill in flight within ${BACKFILL_WAIT_MS} ms; killed anyway`,
    );
    w.recorder.emit("fault", { op: "kill", dev, why: "no Backfill in flight" });
    return;
  }
  w.recorder.emit("fault", {
    op: "kill-mid-backfill",
    dev,
    call: call.id,
    a: call.from,
    b: call.to,
    chunks: call.chunks,
  });
  w.say(
    `d${dev} SIGKILLed mid-Backfill (call #${call.id} d${call.from}->d${call.to}, ${call.chunks} chunks through)`,
  );
}

function setBlocked(w: StepWorld, dev: number, blocked: boolean): void {
  for (let o = 0; o < w.peers.length; o++) {
    if (o === dev) continue;
    w.links.get(dev, o).blocked = blocked;
    w.links.get(o, dev).blocked = blocked;
  }
}

export async function runStep(w: StepWorld, step: ChaosStep): Promise<void> {
  const { links, recorder } = w;
  switch (step.do) {
    case "index":
    case "tags":
    case "delete":
      workStep(w, step);
      return;
    case "kill-mid-backfill":
      await killMidBackfill(w, step.dev);
      return;
    case "kill":
      await w.peers[step.dev]?.kill();
      w.proxy.dropUpstream(step.dev);
      break;
    case "restart": {
      const peer = w.peers[step.dev];
      if (peer === undefined || peer.alive) break;
      await peer.start();
      await w.rewire(step.dev);
      recorder.emit("start", { dev: step.dev, gen: peer.generation });
      return;
    }
    case "isolate":
    case "rejoin":
      setBlocked(w, step.dev, step.do === "isolate");
      break;
    case "partition":
      links.get(step.a, step.b).blocked = true;
      if (!step.oneWay) links.get(step.b, step.a).blocked = true;
      break;
    case "heal":
      links.get(step.a, step.b).blocked = false;
      links.get(step.b, step.a).blocked = false;
      break;
    case "latency":
      Object.assign(links.get(step.a, step.b), { latencyMs: step.ms, jitterMs: step.jitterMs });
      break;
    case "reorder":
      links.get(step.a, step.b).reorderWindowMs = step.windowMs;
      break;
    case "drop":
      links.get(step.a, step.b).dropRate = step.rate;
      break;
    case "slow":
      links.get(step.a, step.b).msPerChunk = step.msPerChunk;
      break;
    case "reset-backfill":
      links.get(step.a, step.b).resetBackfillAfter = step.afterChunks;
      break;
  }
  recorder.emit("fault", fields(step));
}
