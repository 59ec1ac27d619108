// Everything one run owns: scheduler, PRNG, network, devices, oracle,
// trace and logs. Built by simulation.ts; steps and workloads act on it.
import { idToHex, type Transport } from "@tidemark/engine";
import { deviceIdOf, LIBRARY_ID, uuidv7 } from "./ids.js";
import { LogSink } from "./log-sink.js";
import { Connectivity } from "./network/connectivity.js";
import { Network } from "./network/network.js";
import { simClient } from "./network/sim-transport.js";
import { SimNode } from "./node.js";
import { Oracle } from "./oracle.js";
import { Prng } from "./prng.js";
import type { EngineAdapter } from "./probe/probe.js";
import type { DiskImage, IdHex } from "./probe/types.js";
import { PushLog } from "./properties/reapply.js";
import { SafetyMonitor } from "./properties/safety.js";
import type { Scenario } from "./scenario.js";
import { Scheduler } from "./scheduler.js";
import { roundMs, Trace } from "./trace.js";
import { SIM_EPOCH_MS } from "./virtual-clock.js";
import { WEATHER } from "./weather.js";
import type { WorkContext } from "./workloads/context.js";

export type WorldOptions = {
  readonly adapter: EngineAdapter;
  readonly keepTrace: boolean;
  readonly keepLogs: boolean;
};

/** Deadline for engine calls made without one (a host's default). */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

export class SimWorld {
  readonly sched = new Scheduler();
  readonly rng: Prng;
  readonly trace: Trace;
  readonly logs: LogSink;
  readonly net: Network;
  readonly nodes: SimNode[] = [];
  readonly oracle = new Oracle();
  readonly safety = new SafetyMonitor(this.oracle);
  readonly conn: Connectivity;
  readonly sharedTags: IdHex[] = [];
  readonly sharedCollections: IdHex[] = [];
  readonly adapter: EngineAdapter;
  /** Recent PushChanges requests, re-applied after healing (must be no-ops). */
  readonly servedPushes = new PushLog(64);
  private readonly clients = new Map<string, ReturnType<typeof simClient>>();

  constructor(
    readonly scenario: Scenario,
    opts: WorldOptions,
  ) {
    this.rng = new Prng(scenario.seed);
    this.adapter = opts.adapter;
    this.trace = new Trace({ keepLines: opts.keepTrace, keepRecords: opts.keepTrace });
    this.logs = new LogSink(this.sched, this.trace, opts.keepLogs);
    this.net = new Network(
      scenario.devices,
      this.sched,
      this.rng.fork("net"),
      this.trace,
      WEATHER[scenario.weather],
    );
    const byId = new Map<string, number>();
    for (let i = 0; i < scenario.devices; i++) byId.set(deviceIdOf(i), i);
    const endpoints = (i: number) => this.nodes[i] as SimNode;
    const transportFor = (from: number): Transport => ({
      client: (peer: string) => {
        const to = byId.get(peer);
        if (to === undefined) throw new Error(`d${from} asked for unknown peer ${peer}`);
        const key = `${from}>${to}`;
        let c = this.clients.get(key);
        if (c === undefined) {
          c = simClient(this.sched, this.net, endpoints, from, to, {
            defaultTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
            onServed: (dest, method, bytes) => this.servedPushes.record(dest, method, bytes),
          });
          this.clients.set(key, c);
        }
        return c;
      },
    });
    const env = {
      sched: this.sched,
      logs: this.logs,
      libraryId: LIBRARY_ID,
      adapter: opts.adapter,
      config: scenario.config ?? {},
      variant: scenario.variant,
      transportFor,
    };
    for (let i = 0; i < scenario.devices; i++) {
      this.nodes.push(new SimNode(i, deviceIdOf(i), env, this.rng.fork(`node:${i}`)));
    }
    this.conn = new Connectivity(this.sched, this.net, this.nodes, this.trace);
    const shared = this.rng.fork("shared");
    for (let i = 0; i < 6; i++) this.sharedTags.push(idToHex(uuidv7(SIM_EPOCH_MS, shared)));
    for (let i = 0; i < 3; i++) this.sharedCollections.push(idToHex(uuidv7(SIM_EPOCH_MS, shared)));
  }

  node(i: number): SimNode {
    const n = this.nodes[i];
    if (n === undefined) throw new RangeError(`no device d${i}`);
    return n;
  }

  /** Live members, ascending index. */
  liveMembers(): SimNode[] {
    return this.nodes.filter((n) => n.alive && n.member);
  }

  emit(k: string, fields: Record<string, string | number | boolean>): void {
    this.trace.emit({ t: roundMs(this.sched.now), k, ...fields });
  }

  /** Starts (or restarts) a device and introduces it to every member. */
  async startNode(i: number, image?: DiskImage): Promise<void> {
    const node = this.node(i);
    // A restart keeps its pairings; a joiner pairs with the members it can
    // reach now (pairing needs the other device), the rest pair on restart.
    const others = this.nodes.filter((o) => o !== node && o.member && (node.member || o.alive));
    await node.start(
      image,
      others.map((o) => o.deviceId),
    );
    if (!node.alive || node.replica === undefined) return;
    for (const other of others) if (other.alive) other.replica?.addPeer(node.deviceId);
    await this.ingestOwnRows(i);
    this.emit("start", { dev: i, gen: node.generation });
    this.conn.update();
  }

  /** Tells the oracle about rows the engine wrote on its own (its device row at open). */
  private async ingestOwnRows(i: number): Promise<void> {
    const node = this.node(i);
    const probe = node.replica?.probe;
    if (probe === undefined) return;
    for (const w of await probe.watermarks()) {
      if (w.stream.origin !== node.deviceId) continue;
      this.oracle.ingestOwn(w.stream, await probe.entries(w.stream), w.cursor ?? 0n);
    }
  }

  workContext(i: number, stepIndex: number): WorkContext {
    return {
      node: this.node(i),
      rng: this.rng.fork(`step:${stepIndex}`),
      sched: this.sched,
      oracle: this.oracle,
      trace: this.trace,
      sharedTags: this.sharedTags,
      sharedCollections: this.sharedCollections,
    };
  }
}
