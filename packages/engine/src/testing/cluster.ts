// N in-process replicas on one MemoryNetwork in virtual time: the harness
// of the engine's multi-replica tests (and a template for the simulator).
// Deterministic for a seed: one PRNG drives the network, each replica gets
// its own child PRNG, and time moves only in run()/settle().
import Database from "better-sqlite3";
import { openReplica, type TidemarkReplica } from "../replica.js";
import type { BugSwitches, SyncConfig } from "../replica-api.js";
import { type ConvergenceReport, checkConvergence } from "./convergence.js";
import { MemoryLogger } from "./memory-logger.js";
import { type FaultConfig, MemoryNetwork } from "./memory-network.js";
import { SeededRandom } from "./prng.js";
import { VirtualTime } from "./virtual-time.js";

export type ClusterOptions = {
  readonly seed: number;
  /** Lets pending promises run between timer firings, e.g. `() => new Promise(r => setImmediate(r))`. */
  readonly yieldToHost: () => Promise<void>;
  readonly faults?: Partial<FaultConfig>;
  readonly config?: Partial<SyncConfig>;
  /** Most timer firings per run()/settle() call (a runaway guard). */
  readonly maxSteps?: number;
};

export type NodeOptions = {
  /** A better-sqlite3 file path; ":memory:" when absent. */
  readonly file?: string;
  readonly bugs?: BugSwitches;
  readonly config?: Partial<SyncConfig>;
  /** Another library id (mismatch tests); LIBRARY_ID when absent. */
  readonly libraryId?: string;
};

export const LIBRARY_ID = "0190aaaa000070008000000000000001";

/** Deterministic device id for a node index. */
export function deviceIdOf(index: number): string {
  return `0190${(index + 1).toString(16).padStart(4, "0")}00007000800000000000${(index + 1).toString(16).padStart(4, "0")}`;
}

export class Cluster {
  readonly time = new VirtualTime();
  readonly random: SeededRandom;
  readonly net: MemoryNetwork;
  readonly logger = new MemoryLogger();
  readonly replicas = new Map<string, TidemarkReplica>();
  private readonly nodeOptions = new Map<string, NodeOptions>();
  private readonly maxSteps: number;

  constructor(private readonly opts: ClusterOptions) {
    this.random = new SeededRandom(opts.seed);
    this.net = new MemoryNetwork(this.time, this.random, opts.faults);
    this.maxSteps = opts.maxSteps ?? 200_000;
  }

  /** Opens (or reopens) replica number `index`, registers it and adds every other node as a peer. */
  open(index: number, options: NodeOptions = {}): TidemarkReplica {
    const id = deviceIdOf(index);
    this.nodeOptions.set(id, options);
    const replica = openReplica({
      db: new Database(options.file ?? ":memory:"),
      deviceId: id,
      libraryId: options.libraryId ?? LIBRARY_ID,
      deviceName: `node-${index}`,
      ports: {
        clock: this.time,
        timers: this.time,
        random: new SeededRandom(this.opts.seed * 31 + index + 1),
        logger: this.logger,
        transport: this.net.transport(id),
      },
      config: { ...this.opts.config, ...options.config },
      ...(options.bugs === undefined ? {} : { bugs: options.bugs }),
    });
    this.replicas.set(id, replica);
    this.net.register(id, replica.service);
    for (const other of this.replicas.keys()) {
      if (other === id) continue;
      replica.addPeer(other);
      this.replicas.get(other)?.addPeer(id);
    }
    replica.start();
    return replica;
  }

  get(index: number): TidemarkReplica {
    const r = this.replicas.get(deviceIdOf(index));
    if (r === undefined) throw new Error(`node ${index} is not open`);
    return r;
  }

  /** Both sides learn the link is up (and exchange). */
  connect(a: number, b: number): void {
    const ia = deviceIdOf(a);
    const ib = deviceIdOf(b);
    this.net.setLink(ia, ib, true);
    this.replicas.get(ia)?.peerConnected(ib);
    this.replicas.get(ib)?.peerConnected(ia);
  }

  connectAll(): void {
    const ids = [...this.replicas.keys()].map((id) => indexOf(id));
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) this.connect(ids[i] as number, ids[j] as number);
  }

  disconnect(a: number, b: number): void {
    const ia = deviceIdOf(a);
    const ib = deviceIdOf(b);
    this.net.setLink(ia, ib, false);
    this.replicas.get(ia)?.peerDisconnected(ib);
    this.replicas.get(ib)?.peerDisconnected(ia);
  }

  /** Closes a node (committed data survives in its file; in-flight work is lost). */
  crash(index: number): void {
    const id = deviceIdOf(index);
    const r = this.replicas.get(id);
    if (r === undefined) return;
    for (const other of this.replicas.values()) if (other !== r) other.peerDisconnected(id);
    this.net.unregister(id);
    r.close();
    this.replicas.delete(id);
  }

  /** Advances virtual time by `ms`, firing timers in order and letting work run between them. */
  async run(ms: number): Promise<void> {
    const end = this.time.now() + ms;
    for (let steps = 0; steps < this.maxSteps; steps++) {
      await this.opts.yieldToHost();
      if (!this.time.fireNext(end)) break;
    }
    this.time.advanceTo(end);
    await this.opts.yieldToHost();
  }

  /**
   * Runs until every replica is idle and nothing is on the network, or
   * `maxMs` of virtual time passed. Periodic and backoff timers do not
   * count as work. Returns whether it settled.
   */
  async settle(maxMs = 30_000): Promise<boolean> {
    const end = this.time.now() + maxMs;
    for (let steps = 0; steps < this.maxSteps; steps++) {
      await this.opts.yieldToHost();
      if (this.quiet()) return true;
      if (!this.time.fireNext(end)) return this.quiet();
    }
    return this.quiet();
  }

  quiet(): boolean {
    return this.net.inFlight === 0 && [...this.replicas.values()].every((r) => r.isIdle());
  }

  convergence(): ConvergenceReport {
    return checkConvergence([...this.replicas.values()]);
  }

  /** Closes every replica. */
  close(): void {
    for (const r of this.replicas.values()) r.close();
    this.replicas.clear();
  }
}

function indexOf(id: string): number {
  return Number.parseInt(id.slice(4, 8), 16) - 1;
}
