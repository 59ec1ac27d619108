// One simulated device: an implementation under test (through its
// EngineAdapter) with virtual clock, timers, randomness, logger and
// transport. Crash keeps exactly what was committed (the replica's
// snapshot at the crash instant) and loses everything in flight.
import type { Transport } from "@tidemark/engine";
import { deviceKeySeedOf } from "./ids.js";
import type { LogSink } from "./log-sink.js";
import type { Endpoint } from "./network/sim-transport.js";
import type { Prng } from "./prng.js";
import type { AdaptedReplica, EngineAdapter, EngineConfig } from "./probe/probe.js";
import type { DiskImage } from "./probe/types.js";
import type { Lie } from "./scenario.js";
import type { Scheduler } from "./scheduler.js";
import { type ClockFault, VirtualClock } from "./virtual-clock.js";
import { VirtualTimers } from "./virtual-timers.js";

export type NodeEnv = {
  readonly sched: Scheduler;
  readonly logs: LogSink;
  readonly libraryId: string;
  readonly adapter: EngineAdapter;
  readonly config: EngineConfig;
  /** A known-bad variant every device runs (mutant hunts). */
  readonly variant: string | undefined;
  /** Builds the transport a device uses to reach its peers. */
  readonly transportFor: (index: number) => Transport;
  /** Virtual CPU ms per change committed or received (absent: free). */
  readonly cpuMsPerRow?: number;
  /** Every device believes its callers' claimed ids (a scenario with inbound-only clients). */
  readonly claimedCallers?: boolean;
};

export type Backup = { readonly at: number; readonly image: DiskImage };

/** Per-device settings that differ from the world's (engine tests). */
export type NodeOverrides = {
  readonly libraryId?: string;
  readonly config?: EngineConfig;
  readonly variant?: string;
};

export class SimNode implements Endpoint {
  alive = false;
  /** Bumped on every crash and restart: in-flight work of older incarnations is lost. */
  generation = 0;
  /** Started at least once and not removed from the library. */
  member = false;
  replica: AdaptedReplica | undefined;
  clock: VirtualClock;
  timers: VirtualTimers;
  /** Committed image kept across a crash (what the disk held). */
  private disk: DiskImage | undefined;
  readonly backups: Backup[] = [];
  starts = 0;
  /** Settings for this device only, applied at its next start. */
  overrides: NodeOverrides = {};
  /** Virtual time until which the device's CPU is busy (committing or applying). */
  busyUntil = 0;
  /** The replica's workDone() at the last charge (its counter restarts with it). */
  private workSeen = 0;
  /** The clock fault survives healing (a broken clock, not a glitch). */
  clockLasts = false;
  /** Answers Backfill with this lie while set (a byzantine peer). */
  lie: Lie | undefined;

  /** Started at least once (so it may have written data). */
  get everStarted(): boolean {
    return this.starts > 0;
  }

  constructor(
    readonly index: number,
    readonly deviceId: string,
    private readonly env: NodeEnv,
    private readonly rng: Prng,
  ) {
    this.clock = new VirtualClock(env.sched);
    this.timers = new VirtualTimers(env.sched);
  }

  get service(): object | undefined {
    return this.alive ? this.replica?.service : undefined;
  }

  /** Spends `rows` x the scenario's CPU cost of virtual time (0: free). */
  charge(rows: number): void {
    const cost = rows * (this.env.cpuMsPerRow ?? 0);
    if (cost > 0) this.busyUntil = Math.max(this.busyUntil, this.env.sched.now) + cost;
  }

  /**
   * Charges the work the replica reports having done since the last call;
   * false when its probe reports none (the network then estimates by bytes).
   */
  async chargeWork(): Promise<boolean> {
    const probe = this.alive ? this.replica?.probe : undefined;
    if (probe?.workDone === undefined) return false;
    const done = await probe.workDone();
    this.charge(Math.max(0, done - this.workSeen));
    this.workSeen = done;
    return true;
  }

  /** Sets a clock fault; it replaces the previous clock (skew/drift/epoch-0). */
  setClock(fault: ClockFault): void {
    this.clock = new VirtualClock(this.env.sched, fault);
  }

  /** A live engine keeps its port object; the clock behind it can change. */
  private readonly clockPort = {
    now: () => this.clock.now(),
    monotonic: () => this.clock.monotonic(),
  };

  /**
   * Opens the implementation on the committed image (or a fresh state, or
   * the given image for a stale-backup restore) and starts it.
   */
  async start(image?: DiskImage, peers: readonly string[] = []): Promise<void> {
    if (this.alive) return;
    this.generation++;
    this.starts++;
    this.timers = new VirtualTimers(this.env.sched);
    const gen = this.generation;
    const random = this.rng.fork(`engine:${this.starts}`);
    this.alive = true;
    const replica = await this.env.adapter.open({
      deviceId: this.deviceId,
      signingKeySeed: deviceKeySeedOf(this.index),
      libraryId: this.overrides.libraryId ?? this.env.libraryId,
      deviceName: `d${this.index}`,
      ports: {
        clock: this.clockPort,
        timers: this.timers,
        random: { next: () => random.next() },
        logger: this.env.logs.loggerFor(this.index, () => this.alive && this.generation === gen),
        transport: this.env.transportFor(this.index),
      },
      config: { ...this.env.config, ...this.overrides.config },
      image: image ?? this.disk,
      variant: this.overrides.variant ?? this.env.variant,
      ...(this.env.claimedCallers === true ? { claimedCallers: true } : {}),
    });
    if (this.generation !== gen) {
      replica.close();
      return;
    }
    this.replica = replica;
    this.workSeen = 0;
    this.member = true;
    // Pairings before start(), as a host does: with none the replica is
    // alone and confirms its own commits at once (PROTOCOL §3.7).
    for (const p of peers) replica.addPeer(p);
    replica.start();
  }

  /** The committed state as an image. */
  snapshot(): DiskImage {
    if (this.replica === undefined) throw new Error(`d${this.index} is not running`);
    return this.replica.snapshot();
  }

  /** Takes a backup (for a later stale restore). */
  backup(): void {
    if (this.alive && this.replica !== undefined) {
      this.backups.push({ at: this.env.sched.now, image: this.snapshot() });
    }
  }

  /** Power loss: keep what was committed, lose timers, calls and buffers. */
  crash(): void {
    if (!this.alive) return;
    if (this.replica !== undefined) this.disk = this.snapshot();
    this.stop();
  }

  /** The committed image kept while the device is down. */
  get diskImage(): DiskImage | undefined {
    return this.disk;
  }

  /** Replaces the image a down device restarts from (corruption, stale restore). */
  replaceDisk(image: DiskImage): void {
    if (this.alive) throw new Error(`d${this.index} is running; crash it first`);
    this.disk = image;
  }

  /** Leaves the library: wiped, or (`keep`) unpaired but running alone with its data. */
  leave(keep = false): void {
    this.member = false;
    if (keep) return;
    if (this.alive) this.stop();
    this.disk = undefined;
  }

  /** Ends the run: stops the replica without imaging it. */
  dispose(): void {
    if (this.alive) this.stop();
  }

  private stop(): void {
    this.alive = false;
    this.generation++;
    this.timers.kill();
    const replica = this.replica;
    this.replica = undefined;
    try {
      replica?.close();
    } catch {
      // A dead process reports nothing.
    }
  }
}
