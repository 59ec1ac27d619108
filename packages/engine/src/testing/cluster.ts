// N in-process replicas on one MemoryNetwork in virtual time: the harness
// of the engine's multi-replica tests (and a template for the simulator).
// Deterministic for a seed: one PRNG drives the network, each replica gets
// its own child PRNG, and time moves only in run()/settle().

import type { Database as SqliteDb } from "better-sqlite3";
import Database from "better-sqlite3";
import { openReplica, type TidemarkReplica } from "../replica.js";
import type { BugSwitches, SyncConfig } from "../replica-api.js";
import { canonicalState, recomputeFingerprint } from "../store/inspect.js";
import { bytesEqual, toHex } from "../sync/ids.js";
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
  /**
   * Check the cursor invariant after every step (see checkCursorInvariant);
   * violations accumulate in `invariantViolations`.
   */
  readonly watchInvariant?: boolean;
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
  /** Each open replica's database handle, for the inspection oracles. */
  private readonly dbs = new Map<string, SqliteDb>();
  private readonly nodeOptions = new Map<string, NodeOptions>();
  private readonly maxSteps: number;
  /** Origin fingerprints by stream and head: what a cursor c must mean. */
  private readonly history = new Map<string, Map<bigint, string>>();
  readonly invariantViolations: string[] = [];

  constructor(private readonly opts: ClusterOptions) {
    this.random = new SeededRandom(opts.seed);
    this.net = new MemoryNetwork(this.time, this.random, opts.faults);
    this.maxSteps = opts.maxSteps ?? 200_000;
  }

  /** Opens (or reopens) replica number `index`, registers it and adds every other node as a peer. */
  open(index: number, options: NodeOptions = {}): TidemarkReplica {
    const id = deviceIdOf(index);
    this.nodeOptions.set(id, options);
    const db = new Database(options.file ?? ":memory:");
    const replica = openReplica({
      db,
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
    const commit = replica.commit.bind(replica);
    replica.commit = (writes) => {
      const batches = commit(writes);
      for (const b of batches) this.record(replica, b.stream);
      return batches;
    };
    for (const s of replica.status().streams)
      if (s.stream.origin === id) this.record(replica, s.stream);
    this.replicas.set(id, replica);
    this.dbs.set(id, db);
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
    this.dbs.delete(id);
  }

  /** Advances virtual time by `ms`, firing timers in order and letting work run between them. */
  async run(ms: number): Promise<void> {
    const end = this.time.now() + ms;
    for (let steps = 0; steps < this.maxSteps; steps++) {
      await this.opts.yieldToHost();
      this.watch();
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
      this.watch();
      if (this.quiet()) return true;
      if (!this.time.fireNext(end)) return this.quiet();
    }
    return this.quiet();
  }

  quiet(): boolean {
    return this.net.inFlight === 0 && [...this.replicas.values()].every((r) => r.isIdle());
  }

  /**
   * The convergence oracle over every open replica: streams at the origin's
   * head with equal counts and fingerprints, each stored fingerprint equal
   * to one recomputed from the rows, and — unless some stream has pruned
   * tombstones (replicas may then legitimately hold different tombstones) —
   * identical canonical rows (store/inspect.ts).
   */
  /**
   * DESIGN §3's invariant, checked at any moment: a replica whose cursor
   * for a stream is c holds exactly the origin's entries as of c, so its
   * fingerprint equals the one the origin had when its head was c (and c
   * is a head the origin actually had). Pulling streams are skipped.
   */
  checkCursorInvariant(): string[] {
    const out: string[] = [];
    for (const r of this.replicas.values()) {
      for (const s of r.status().streams) {
        if (s.pulling || s.cursor === undefined || s.stream.origin === r.deviceId) continue;
        const key = `${s.stream.origin}/${s.stream.resource}`;
        const h = this.history.get(key);
        if (h === undefined) continue;
        const want = h.get(s.cursor);
        const who = `${r.deviceId.slice(0, 8)} ${s.stream.origin.slice(0, 8)}/${s.stream.resource}@${s.cursor}`;
        if (want === undefined) out.push(`${who}: cursor is not a head the origin ever had`);
        else if (want !== toHex(s.fingerprint))
          out.push(`${who}: fingerprint differs from the origin's at that head`);
      }
    }
    return out;
  }

  private record(replica: TidemarkReplica, stream: { origin: string; resource: number }): void {
    const s = replica.store.streamState(stream as never);
    if (s?.cursor === undefined) return;
    const key = `${stream.origin}/${stream.resource}`;
    const h = this.history.get(key) ?? new Map<bigint, string>();
    h.set(s.cursor, toHex(s.fingerprint));
    this.history.set(key, h);
  }

  private watch(): void {
    if (!this.opts.watchInvariant) return;
    for (const v of this.checkCursorInvariant()) {
      if (this.invariantViolations.length < 100 && !this.invariantViolations.includes(v))
        this.invariantViolations.push(v);
    }
  }

  /** Canonical rows of one open replica (store/inspect.ts canonicalState). */
  canonicalRows(deviceId: string): string[] {
    const db = this.dbs.get(deviceId);
    if (db === undefined) throw new Error(`device ${deviceId} is not open`);
    return canonicalState(db);
  }

  convergence(): ConvergenceReport {
    const replicas = [...this.replicas.values()];
    const pruned = replicas.some((r) =>
      r.status().streams.some((s) => s.tombstoneHorizon !== undefined),
    );
    const base = checkConvergence(
      replicas,
      pruned ? {} : { rows: (id) => canonicalState(this.dbs.get(id) as SqliteDb).join("\n") },
    );
    const problems = [...base.problems];
    for (const r of replicas) {
      const db = this.dbs.get(r.deviceId) as SqliteDb;
      for (const s of r.status().streams) {
        if (s.pulling) continue;
        if (!bytesEqual(recomputeFingerprint(db, s.stream), s.fingerprint)) {
          problems.push(
            `${r.deviceId.slice(0, 8)} ${s.stream.origin.slice(0, 8)}/${s.stream.resource}: stored fingerprint != recomputed`,
          );
        }
      }
    }
    return { ok: problems.length === 0, problems, streams: base.streams };
  }

  /** Closes every replica. */
  close(): void {
    for (const r of this.replicas.values()) r.close();
    this.replicas.clear();
    this.dbs.clear();
  }
}

function indexOf(id: string): number {
  return Number.parseInt(id.slice(4, 8), 16) - 1;
}
