// A thin imperative layer over the simulator's kernel for tests of one
// implementation's own behaviour (the engine's replica tests): open,
// crash, reopen and connect devices by hand, steer single messages with a
// tap, record calls and structured logs, run or settle in virtual time,
// and judge convergence with the simulator's own properties (through the
// probe, against the oracle of every commit). Same scheduler, network,
// transport and nodes as a scenario run; only the driver differs.
import { fromBinary } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { CommittedBatch as EngineBatch, LocalWrite, TidemarkReplica } from "@tidemark/engine";
import { SyncService } from "@tidemark/protocol";
import { deviceIdOf, LIBRARY_ID } from "../ids.js";
import { LogSink } from "../log-sink.js";
import type { LinkProfile } from "../network/link.js";
import type { Tap, TapInfo, Verdict } from "../network/network.js";
import { Network } from "../network/network.js";
import { simClient } from "../network/sim-transport.js";
import type { NodeOverrides, SimNode } from "../node.js";
import { SimNode as Node } from "../node.js";
import { Oracle } from "../oracle.js";
import { Prng } from "../prng.js";
import type { EngineAdapter, EngineConfig } from "../probe/probe.js";
import { rowVersionOf } from "../probe/row-version.js";
import type { Corruption, DiskImage, IdHex } from "../probe/types.js";
import { allFailures, describeFailure, snapshotNode, type World } from "../properties/index.js";
import { SafetyMonitor, settleOwnCommits } from "../properties/safety.js";
import { Scheduler } from "../scheduler.js";
import { Trace } from "../trace.js";
import { SIM_EPOCH_MS } from "../virtual-clock.js";

export type ClusterOptions = {
  readonly adapter: EngineAdapter<TidemarkReplica>;
  readonly seed: number;
  /** Devices the cluster may open (indexes 0..devices-1). */
  readonly devices?: number;
  readonly config?: EngineConfig;
  /** Every link's behaviour (default: a few ms of latency, no loss). */
  readonly link?: LinkProfile;
  /** Check the cursor invariant after every instant; violations collect in invariantViolations. */
  readonly watchInvariant?: boolean;
};

/** A message as a test's tap sees it: device ids and the decoded message. */
export type MessageInfo = {
  readonly from: IdHex;
  readonly to: IdHex;
  /** The method's local name, e.g. "pushChanges". */
  readonly method: string;
  readonly kind: "request" | "response";
  readonly message: unknown;
  readonly bytes: number;
};

export type CallRecord = {
  readonly from: IdHex;
  readonly to: IdHex;
  readonly method: string;
  readonly request: unknown;
};

export type ConvergenceReport = { readonly ok: boolean; readonly problems: readonly string[] };

const TEST_LINK: LinkProfile = {
  latencyMs: 1,
  jitterMs: 2,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 0,
  bytesPerMs: undefined,
};

const METHOD_OF = new Map(SyncService.methods.map((m) => [m.name, m]));

export class TestCluster {
  readonly sched = new Scheduler();
  readonly trace = new Trace();
  readonly logs: LogSink;
  readonly net: Network;
  readonly oracle = new Oracle();
  readonly safety: SafetyMonitor;
  readonly random: Prng;
  readonly calls: CallRecord[] = [];
  readonly invariantViolations: string[] = [];
  /** Optional per-message override (drop, delay), consulted before the link. */
  policy: ((m: MessageInfo) => Verdict | undefined) | undefined;
  private readonly nodes: SimNode[] = [];
  private readonly intercepts = new Map<number, (s: ServiceImpl<typeof SyncService>) => object>();

  constructor(private readonly opts: ClusterOptions) {
    const devices = opts.devices ?? 4;
    const rng = new Prng(opts.seed);
    this.random = rng.fork("test");
    this.logs = new LogSink(this.sched, this.trace, false, true);
    this.net = new Network(
      devices,
      this.sched,
      rng.fork("net"),
      this.trace,
      opts.link ?? TEST_LINK,
    );
    this.net.tap = this.tapFor();
    this.net.refusal = (from, to) => !this.net.link(from, to).up || !this.node(to).alive;
    this.safety = new SafetyMonitor(this.oracle);
    const byId = new Map<string, number>();
    for (let i = 0; i < devices; i++) byId.set(deviceIdOf(i), i);
    const env = {
      sched: this.sched,
      logs: this.logs,
      libraryId: LIBRARY_ID,
      adapter: opts.adapter,
      config: opts.config ?? {},
      variant: undefined,
      transportFor: (from: number) => ({
        client: (peer: string) => {
          const to = byId.get(peer);
          if (to === undefined) throw new Error(`d${from} asked for unknown peer ${peer}`);
          return this.client(from, to);
        },
      }),
    };
    for (let i = 0; i < devices; i++)
      this.nodes.push(new Node(i, deviceIdOf(i), env, rng.fork(`node:${i}`)));
  }

  /** Device id of index `i`. */
  id(i: number): IdHex {
    return deviceIdOf(i);
  }

  /** Virtual wall-clock time (the devices' clocks unless a test skews one). */
  now(): number {
    return SIM_EPOCH_MS + this.sched.now;
  }

  /** A Connect client from device `from` to device `to` over the simulated network. */
  client(from: number, to: number) {
    return simClient(this.sched, this.net, (i) => this.endpoint(i), from, to, {
      defaultTimeoutMs: 10_000,
      onSend: (a, b, method, bytes) => {
        const desc = SyncService.method[method as keyof typeof SyncService.method];
        this.calls.push({
          from: deviceIdOf(a),
          to: deviceIdOf(b),
          method,
          request: fromBinary(desc.input, bytes),
        });
      },
    });
  }

  private endpoint(i: number) {
    const node = this.node(i);
    const wrap = this.intercepts.get(i);
    if (wrap === undefined || node.replica === undefined) return node;
    const service = wrap(node.replica.service);
    return {
      alive: node.alive,
      generation: node.generation,
      service: node.alive ? service : undefined,
    };
  }

  private tapFor(): Tap {
    return (m: TapInfo) => {
      const policy = this.policy;
      if (policy === undefined || m.part === "end" || m.part === "err") return undefined;
      return policy({
        from: deviceIdOf(m.from),
        to: deviceIdOf(m.to),
        method: METHOD_OF.get(m.rpc)?.localName ?? m.rpc,
        kind: m.part === "req" ? "request" : "response",
        message: m.message(),
        bytes: m.bytes,
      });
    };
  }

  node(i: number): SimNode {
    const n = this.nodes[i];
    if (n === undefined) throw new RangeError(`no device d${i}`);
    return n;
  }

  /**
   * Opens (or reopens, from what it committed before a crash, or from
   * `image`) device `i` and makes it and every open device peers. Returns
   * the engine's own replica.
   */
  async open(
    i: number,
    o: NodeOverrides & { readonly image?: DiskImage } = {},
  ): Promise<TidemarkReplica> {
    const node = this.node(i);
    const { image, ...overrides } = o;
    node.overrides = overrides;
    const others = this.nodes.filter((o) => o !== node && o.alive);
    await node.start(
      image,
      others.map((o) => o.deviceId),
    );
    const replica = node.replica;
    if (replica === undefined) throw new Error(`d${i} did not start`);
    for (const other of others) other.replica?.addPeer(node.deviceId);
    for (const w of await replica.probe.watermarks()) {
      if (w.stream.origin === node.deviceId)
        this.oracle.ingestOwn(w.stream, await replica.probe.entries(w.stream), w.cursor ?? 0n);
    }
    return replica.native as TidemarkReplica;
  }

  /** The engine replica of an open device. */
  get(i: number): TidemarkReplica {
    const r = this.node(i).replica;
    if (r === undefined || !this.node(i).alive) throw new Error(`d${i} is not open`);
    return r.native as TidemarkReplica;
  }

  isOpen(i: number): boolean {
    return this.node(i).alive;
  }

  /** Commits through device `i`'s engine and tells the oracle. */
  commit(i: number, writes: readonly LocalWrite[]): EngineBatch[] {
    const batches = this.get(i).commit(writes);
    this.record(i, batches);
    return batches;
  }

  /** Tells the oracle about batches committed on device `i` outside commit(). */
  record(i: number, batches: readonly EngineBatch[]): void {
    const origin = this.id(i);
    this.oracle.record(
      batches.map((b) => ({
        stream: b.stream,
        prevSeq: b.prevSeq,
        changes: b.changes.map((c) => rowVersionOf(b.stream.resource, origin, c)),
        provisional: b.provisional,
      })),
    );
  }

  /** Replaces device `i`'s handlers as its peers see them (a lying or faulty peer). */
  intercept(i: number, wrap: ((s: ServiceImpl<typeof SyncService>) => object) | undefined): void {
    if (wrap === undefined) this.intercepts.delete(i);
    else this.intercepts.set(i, wrap);
  }

  /** Brings the link a <-> b up or down without telling the engines (a silent cut). */
  setLink(a: number, b: number, up: boolean): void {
    if (up) this.net.heal(a, b);
    else this.net.partition(a, b, false);
  }

  /** Link up, and both sides hear the peer connected (they exchange). */
  connect(a: number, b: number): void {
    this.setLink(a, b, true);
    if (this.node(a).alive) this.node(a).replica?.peerConnected(this.id(b));
    if (this.node(b).alive) this.node(b).replica?.peerConnected(this.id(a));
  }

  connectAll(): void {
    const open = this.nodes.filter((n) => n.alive).map((n) => n.index);
    for (let x = 0; x < open.length; x++)
      for (let y = x + 1; y < open.length; y++) this.connect(open[x] as number, open[y] as number);
  }

  disconnect(a: number, b: number): void {
    this.setLink(a, b, false);
    if (this.node(a).alive) this.node(a).replica?.peerDisconnected(this.id(b));
    if (this.node(b).alive) this.node(b).replica?.peerDisconnected(this.id(a));
  }

  /** Power loss: what was committed survives for the next open(); peers see it go. */
  crash(i: number): void {
    const node = this.node(i);
    if (!node.alive) return;
    node.crash();
    for (const other of this.nodes) if (other.alive) other.replica?.peerDisconnected(node.deviceId);
  }

  /** The committed image of a device that is down (a backup to restore later). */
  image(i: number): DiskImage {
    const img = this.node(i).diskImage;
    if (img === undefined) throw new Error(`d${i} has no image (crash it first)`);
    return img;
  }

  /** Damages a down device's committed image (it opens on the damaged one). */
  async corrupt(i: number, damage: Corruption): Promise<number> {
    const r = await this.opts.adapter.corrupt(this.image(i), damage);
    this.node(i).replaceDisk(r.image);
    return r.changed;
  }

  private readonly watch = async () => {
    if (!this.opts.watchInvariant) {
      await settleOwnCommits(this.oracle, this.nodes);
      return;
    }
    const f = await this.safety.onInstant(this.nodes.filter((n) => n.alive));
    if (f === undefined) return;
    const line = describeFailure(f);
    if (this.invariantViolations.length < 100 && !this.invariantViolations.includes(line))
      this.invariantViolations.push(line);
  };

  /** Advances virtual time by `ms`. */
  async run(ms: number): Promise<void> {
    await this.sched.run({ until: this.sched.now + ms, afterInstant: this.watch });
  }

  /** Nothing on the network and every open device idle. */
  quiet(): boolean {
    return (
      this.net.inFlight === 0 &&
      this.nodes.every((n) => !n.alive || (n.replica?.isIdle?.() ?? true))
    );
  }

  /**
   * Runs until quiet or `maxMs` of virtual time passed (periodic and backoff
   * timers do not count as work). Returns whether it got quiet.
   */
  async settle(maxMs = 30_000): Promise<boolean> {
    await this.sched.run({
      until: this.sched.now + maxMs,
      stop: () => this.quiet(),
      afterInstant: this.watch,
    });
    return this.quiet();
  }

  /** Decoded requests of `method`, in send order. */
  requests<T = unknown>(method: string, filter?: (r: CallRecord) => boolean): T[] {
    return this.calls
      .filter((c) => c.method === method && (filter?.(c) ?? true))
      .map((c) => c.request as T);
  }

  /**
   * Every property of the simulator over the open devices (or `only`):
   * streams at the head with equal summaries, identical rows, cursors
   * contiguous against the oracle, no resurrection, closure, buffers.
   */
  async convergence(only?: readonly number[]): Promise<ConvergenceReport> {
    await settleOwnCommits(
      this.oracle,
      this.nodes.filter((n) => n.alive),
    );
    const nodes = this.nodes.filter(
      (n) => n.alive && (only === undefined || only.includes(n.index)),
    );
    const views = [];
    for (const n of nodes)
      views.push(await snapshotNode(n.index, n.deviceId, n.replica?.probe as never));
    const world: World = {
      nodes: views,
      oracle: this.oracle,
      bufferPeaks: new Map(),
      pendingBufferMax: Number(this.opts.config?.pendingBufferMax ?? 10_000),
      allOriginsLive: this.nodes.every((n) => n.starts === 0 || n.alive),
    };
    const problems = allFailures(world).map(describeFailure);
    return { ok: problems.length === 0, problems };
  }

  close(): void {
    for (const n of this.nodes) n.dispose();
  }
}
