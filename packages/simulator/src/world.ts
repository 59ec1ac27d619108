// Everything one run owns: scheduler, PRNG, network, devices, oracle,
// trace and logs. Built by simulation.ts; steps and workloads act on it.
import { performance } from "node:perf_hooks";
import { idToHex, streamKeyString, type Transport } from "@tidemark/engine";
import { type BackfillResponse, HLC_MAX_OFFSET_MS } from "@tidemark/protocol";
import { helloRequiredService, Sessions } from "./faults/hello-required.js";
import { lateParentsVerdict } from "./faults/late-parents.js";
import { lyingClient, lyingService, WITHHOLDING } from "./faults/liar.js";
import { rangeOnlyService } from "./faults/range-only.js";
import { deviceIdOf, FOREIGN_LIBRARY_ID, LIBRARY_ID, uuidv7 } from "./ids.js";
import { LogSink } from "./log-sink.js";
import { Connectivity } from "./network/connectivity.js";
import type { LinkProfile } from "./network/link.js";
import { Network, type Tap, type TapInfo } from "./network/network.js";
import { type Endpoint, simClient } from "./network/sim-transport.js";
import { SimNode } from "./node.js";
import { Oracle } from "./oracle.js";
import { Prng } from "./prng.js";
import type { EngineAdapter } from "./probe/probe.js";
import type { DiskImage, IdHex } from "./probe/types.js";
import { AnswerTracker } from "./properties/answers.js";
import { BelowHorizonTracker } from "./properties/below-horizon.js";
import { CodedSymbolsOpening } from "./properties/coded-symbols-opening.js";
import { CodedSymbolsWire } from "./properties/coded-symbols-wire.js";
import { DeferralTracker, deferralWindowMs } from "./properties/deferral.js";
import { DroppedAcks } from "./properties/dropped-acks.js";
import { ExchangeFailureTracker } from "./properties/exchange-failures.js";
import { ExchangesSerial } from "./properties/exchanges-serial.js";
import { ForgetTaint } from "./properties/forget-taint.js";
import { HelloFirst } from "./properties/hello-first.js";
import { InitiatorClaims } from "./properties/initiator-claims.js";
import { InvalidAnswerTracker } from "./properties/invalid-answers.js";
import { InvalidReconcileTracker } from "./properties/invalid-reconciles.js";
import { PullRepeatTracker } from "./properties/pull-repeats.js";
import { QuietTracker } from "./properties/quiet.js";
import { DEFAULT_RANGE_LIMITS, RangeLimitsTracker } from "./properties/range-limits.js";
import { RangeQueue } from "./properties/range-queue.js";
import { PushTracker } from "./properties/realtime.js";
import { PushLog } from "./properties/reapply.js";
import { RefusalFloor } from "./properties/refusal-floor.js";
import { RepairTracker } from "./properties/repairs.js";
import { RepeatTracker } from "./properties/repeats.js";
import { RequestTracker } from "./properties/requests.js";
import { backoffPolicy, RetryTracker } from "./properties/retry.js";
import { RetryOnContact } from "./properties/retry-on-contact.js";
import { RoundBoundTracker } from "./properties/round-bound.js";
import { SafetyMonitor } from "./properties/safety.js";
import { WorkTracker } from "./properties/work.js";
import { inboundOnly, linked, type Scenario } from "./scenario.js";
import { Scheduler } from "./scheduler.js";
import { roundMs, Trace } from "./trace.js";
import { SIM_EPOCH_MS } from "./virtual-clock.js";
import { WEATHER } from "./weather.js";

/**
 * Scenarios last virtual minutes: the engine's 30-day retention of shared
 * tombstones (PROTOCOL §13 TB-5) would keep every one, so worlds that
 * prune prune at once unless the scenario sets a retention.
 */
const SIM_RETENTION = { sharedTombstoneRetentionMs: 0 };

import type { WorkContext } from "./workloads/context.js";

export type WorldOptions = {
  readonly adapter: EngineAdapter;
  readonly keepTrace: boolean;
  readonly keepLogs: boolean;
};

/** Deadline for engine calls made without one (a host's default). */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/**
 * Scenario.smallLimits' range-round parameters: a 4-way split, lists of at
 * most 4 items, and the least frame and range limits the reference accepts
 * for them (reconcile/options.ts): deep split trees in small streams.
 */
const SMALL_LIMITS = {
  reconcileBranching: 4,
  reconcileListThreshold: 4,
  // The engine's MIN_FRAME_SIZE_LIMIT (the probe seam takes no engine values).
  reconcileFrameSizeLimit: 4096,
  reconcileMaxRanges: 4 + 3,
};
/** The two libraries' ids as bytes, once: the trackers read them on every message. */
const LIBRARY = Buffer.from(LIBRARY_ID, "hex");
const FOREIGN_LIBRARY = Buffer.from(FOREIGN_LIBRARY_ID, "hex");

export class SimWorld {
  readonly sched = new Scheduler();
  readonly rng: Prng;
  readonly trace: Trace;
  readonly logs: LogSink;
  readonly net: Network;
  readonly nodes: SimNode[] = [];
  readonly oracle = new Oracle();
  readonly safety: SafetyMonitor;
  private readonly forgets: ForgetTaint;
  readonly conn: Connectivity;
  readonly sharedTags: IdHex[] = [];
  readonly sharedCollections: IdHex[] = [];
  readonly adapter: EngineAdapter;
  /** Wall-clock start of the run (performance.now), for the summary only. */
  readonly startedAt = performance.now();
  /** Link behaviour that healing keeps, by `${from}>${to}` (slow or distant paths). */
  readonly lastingLinks = new Map<string, Partial<LinkProfile>>();
  /** Links whose parent-only pushes arrive late, by `${from}>${to}` (the late-parents fault). */
  readonly lateParents = new Map<string, number>();
  /** Changes moved after healing began, against what was missing (S10). */
  readonly work: WorkTracker;
  /** Repair requests while the healed world rests (quiet-at-rest). */
  readonly quiet = new QuietTracker();
  /** Repairs the decision table does not call for (pull-above-horizon, reconcile-when-due). */
  readonly repairs = new RepairTracker();
  /** Reconcile questions asked again against unchanged states (reconcile-not-repeated). */
  readonly repeats: RepeatTracker;
  readonly deferrals: DeferralTracker;
  /** Backfills serving nothing, asked at the states the last repair left (pull-not-repeated). */
  readonly pullRepeats: PullRepeatTracker;
  readonly belowHorizon: BelowHorizonTracker;
  /** Retry cycles per pair of devices, judged against exponential backoff (bug 6). */
  readonly retries: RetryTracker;
  /** A device backing off from a peer retries it when the peer says Hello (retry-on-contact). */
  readonly retryOnContact: RetryOnContact;
  /** A refused request repeated unchanged before ER-3's floor (refused-not-repeated-early). */
  readonly refusalFloor: RefusalFloor;
  /** Unanswered watermark exchanges, against each caller's failure counter. */
  readonly exchangeFailures: ExchangeFailureTracker;
  /** Hello and exchange answers the validator refuses, against each receiver's invalid-response counter. */
  readonly invalidAnswers: InvalidAnswerTracker;
  /** Reconcile answers an honest initiator must refuse, against the same counter. */
  readonly invalidReconciles: InvalidReconcileTracker;
  /** Honest replicas' answers against the protocol's rules (honest-answers). */
  readonly answers: AnswerTracker;
  /** Honest replicas' requests against the protocol's validators (honest-requests). */
  readonly requests: RequestTracker;
  /** Each incarnation's first request to a peer is a Hello, and one per connection (hello-first, hello-once). */
  readonly helloFirst: HelloFirst;
  readonly exchangesSerial: ExchangesSerial;
  readonly roundBound: RoundBoundTracker;
  /**
   * Devices whose requests the harness itself is writing now (a lying
   * initiator at rest, properties/reconcile-refusals.ts): not the engine's,
   * so honest-requests does not judge them. Counted: asks nest.
   */
  private readonly harnessWrites = new Map<number, number>();
  /** The engine's coded-symbol messages against the spec model (coded-symbols-on-the-wire). */
  readonly codedWire: CodedSymbolsWire;
  /** Reconciles between peers announcing coded symbols open with them (coded-symbols-opening). */
  readonly codedOpening: CodedSymbolsOpening;
  /** What honest initiators say of their own items in range rounds (initiator-claims-honest). */
  readonly initiatorClaims: InitiatorClaims;
  /** Range rounds against the queue of differing ranges (range-queue-kept). */
  readonly rangeQueue: RangeQueue;
  /** Range-round messages against their sender's limits (range-rounds-within-limits). */
  readonly rangeLimits: RangeLimitsTracker;
  /** Every realtime push, judged at the wire (push-well-formed, push-once, push-order). */
  readonly pushes: PushTracker;
  readonly droppedAcks = new DroppedAcks();
  /** Recent PushChanges requests, re-applied after healing (must be no-ops). */
  readonly servedPushes = new PushLog(64);
  private readonly clients = new Map<string, ReturnType<typeof simClient>>();
  /** A property's say over messages as they are sent (drop or delay one), when set. */
  steer: Tap | undefined;
  /** Device ids of the scenario's range-only (revision 1.1) devices. */
  private readonly rangeOnly: ReadonlySet<string>;
  /** Sessions of each Hello-requiring device, by `${device}@${generation}`. */
  private readonly sessions = new Map<string, Sessions>();
  /** A client from device `from` to `to` over the simulated network (calls authenticated as `from`). */
  readonly clientOf: (from: number, to: number) => ReturnType<typeof simClient>;

  constructor(
    readonly scenario: Scenario,
    opts: WorldOptions,
  ) {
    this.rng = new Prng(scenario.seed);
    this.rangeOnly = new Set((scenario.rangeOnly ?? []).map(deviceIdOf));
    this.adapter = opts.adapter;
    this.work = new WorkTracker(
      this.oracle,
      scenario.devices,
      (a, b) => this.net.link(a, b).busyMs,
    );
    this.safety = new SafetyMonitor(
      this.oracle,
      Number(scenario.config?.hlcMaxOffsetMs ?? HLC_MAX_OFFSET_MS),
    );
    this.forgets = new ForgetTaint(
      (from, key) => this.safety.isTainted(from, key),
      this.taint.bind(this),
    );
    const policy = backoffPolicy(scenario);
    this.retries = new RetryTracker(policy, (i) => this.node(i).generation);
    this.repeats = new RepeatTracker(
      policy.callTimeoutMs,
      (i) => this.node(i).lie === "endless-reconcile",
    );
    this.pullRepeats = new PullRepeatTracker(policy.callTimeoutMs);
    this.deferrals = new DeferralTracker(
      deferralWindowMs(scenario),
      (i) => this.node(i).generation,
      (i) => this.node(i).lie !== undefined,
    );
    this.belowHorizon = new BelowHorizonTracker(
      (i) => this.node(i).generation,
      (i) => this.node(i).lie !== undefined,
    );
    this.exchangeFailures = new ExchangeFailureTracker((i) => this.node(i).generation);
    this.invalidAnswers = new InvalidAnswerTracker(
      (i) => this.libraryOf(i),
      (i) => this.node(i).generation,
    );
    this.invalidReconciles = new InvalidReconcileTracker((i) => this.node(i).generation);
    this.answers = new AnswerTracker(
      (i) => this.node(i).lie !== undefined,
      (i, stream) => this.safety.isTainted(i, stream),
    );
    this.roundBound = new RoundBoundTracker(
      (i) => this.node(i).lie === "endless-reconcile",
      (i) => this.node(i),
    );
    this.codedWire = new CodedSymbolsWire(
      (i) => (this.node(i).alive ? this.node(i).replica?.probe : undefined),
      (i) => this.node(i).lie !== undefined,
    );
    // Not judged: a device lying now, or one the harness is writing requests through.
    const unjudged = (i: number) => this.node(i).lie !== undefined || this.harnessWrites.has(i);
    this.codedOpening = new CodedSymbolsOpening((i) => this.node(i).generation, unjudged);
    this.retryOnContact = new RetryOnContact(
      (i) => {
        const probe = this.node(i).alive ? this.node(i).replica?.probe : undefined;
        const peers = probe?.peers?.();
        return peers instanceof Promise ? undefined : peers;
      },
      deviceIdOf,
      (i) => this.node(i).generation,
      unjudged,
    );
    this.refusalFloor = new RefusalFloor((i) => this.node(i).generation, unjudged);
    this.initiatorClaims = new InitiatorClaims(
      (i) => (this.node(i).alive ? this.node(i).replica?.probe : undefined),
      unjudged,
    );
    this.rangeQueue = new RangeQueue(
      (key) => this.initiatorClaims.setOf(key),
      unjudged,
      policy.callTimeoutMs / 2,
    );
    const small = new Set(scenario.smallLimits ?? []);
    this.rangeLimits = new RangeLimitsTracker(
      (i) =>
        small.has(i)
          ? {
              maxRanges: SMALL_LIMITS.reconcileMaxRanges,
              frameBytes: SMALL_LIMITS.reconcileFrameSizeLimit,
            }
          : DEFAULT_RANGE_LIMITS,
      unjudged,
    );
    this.requests = new RequestTracker((i) => this.libraryOf(i), unjudged);
    this.helloFirst = new HelloFirst(
      (i) => this.node(i).generation,
      unjudged,
      (i) => this.libraryOf(i),
      policy.callTimeoutMs,
    );
    this.exchangesSerial = new ExchangesSerial(
      (i) => this.node(i).generation,
      unjudged,
      policy.callTimeoutMs,
    );
    this.pushes = new PushTracker(
      Number(scenario.config?.realtimeMaxBatch ?? 100),
      (i) => this.node(i).generation,
    );
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
    const endpoints = (i: number) => this.endpoint(i);
    this.clientOf = (from, to) => {
      const key = `${from}>${to}`;
      let c = this.clients.get(key);
      if (c === undefined) {
        c = simClient(this.sched, this.net, endpoints, from, to, {
          defaultTimeoutMs: scenario.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
          onServed: (dest, method, bytes) => this.servedPushes.record(dest, method, bytes),
        });
        this.clients.set(key, c);
      }
      return c;
    };
    const transportFor = (from: number): Transport => ({
      client: (peer: string) => {
        const to = byId.get(peer);
        if (to === undefined) throw new Error(`d${from} asked for unknown peer ${peer}`);
        return lyingClient(this.clientOf(from, to), from, () => this.node(from).lie);
      },
    });
    const env = {
      sched: this.sched,
      logs: this.logs,
      libraryId: LIBRARY_ID,
      adapter: opts.adapter,
      config: { ...SIM_RETENTION, ...scenario.config },
      variant: scenario.variant,
      transportFor,
      ...(scenario.cpuMsPerRow === undefined ? {} : { cpuMsPerRow: scenario.cpuMsPerRow }),
      ...((scenario.inboundOnly?.length ?? 0) > 0 ? { claimedCallers: true } : {}),
    };
    for (let i = 0; i < scenario.devices; i++) {
      this.nodes.push(new SimNode(i, deviceIdOf(i), env, this.rng.fork(`node:${i}`)));
    }
    for (const i of scenario.smallLimits ?? []) {
      const node = this.node(i);
      node.overrides = { ...node.overrides, config: { ...node.overrides.config, ...SMALL_LIMITS } };
    }
    // Pairs outside the topology have no link at all, for the whole run.
    for (let a = 0; a < scenario.devices; a++)
      for (let b = 0; b < scenario.devices; b++)
        if (a !== b && !linked(scenario, a, b)) this.net.partition(a, b, true);
    this.net.tap = (sent) => {
      const m = decodedOnce(sent);
      this.spreadTaint(m);
      this.work.observe(m);
      this.quiet.observe(m, this.sched.now);
      this.retries.observe(m, this.sched.now);
      this.retryOnContact.observe(m, this.sched.now);
      this.refusalFloor.observe(m, this.sched.now);
      this.exchangeFailures.observe(m, this.sched.now);
      this.repairs.observe(m, this.sched.now);
      this.repeats.observe(m, this.sched.now);
      this.pullRepeats.observe(m, this.sched.now);
      this.deferrals.observe(m, this.sched.now);
      this.belowHorizon.observe(m, this.sched.now);
      this.answers.observe(m, this.sched.now);
      this.requests.observe(m, this.sched.now);
      this.helloFirst.observe(m, this.sched.now);
      this.exchangesSerial.observe(m, this.sched.now);
      this.roundBound.observe(m, this.sched.now);
      this.codedWire.observe(m, this.sched.now);
      this.codedOpening.observe(m, this.sched.now);
      this.initiatorClaims.observe(m, this.sched.now);
      this.rangeQueue.observe(m, this.sched.now);
      this.rangeLimits.observe(m, this.sched.now);
      this.pushes.observe(m, this.sched.now);
      this.droppedAcks.observe(m, this.sched.now);
      return this.steer?.(m) ?? lateParentsVerdict(this.lateParents, m);
    };
    this.net.onDeliver = (m) => {
      this.quiet.delivered(m);
      this.retries.delivered(m, this.sched.now);
      this.retryOnContact.delivered(m, this.sched.now);
      this.refusalFloor.delivered(m, this.sched.now);
      this.exchangeFailures.delivered(m);
      this.invalidAnswers.delivered(m);
      this.helloFirst.delivered(m, this.sched.now);
      this.exchangesSerial.delivered(m);
      // The harness's own questions are no engine's to count.
      if (!(m.part === "req" && this.harnessWrites.has(m.from)))
        this.invalidReconciles.delivered(m);
      this.repairs.delivered(m);
      this.repeats.delivered(m, this.sched.now);
      this.roundBound.delivered(m, this.sched.now);
      this.pullRepeats.delivered(m, this.sched.now);
      this.deferrals.delivered(m, this.sched.now);
      this.belowHorizon.delivered(m, this.sched.now);
      this.answers.delivered(m);
      this.rangeQueue.delivered(m, this.sched.now);
      this.codedWire.delivered(m);
      this.codedOpening.delivered(m);
      this.pushes.delivered(m, this.sched.now);
    };
    if ((scenario.cpuMsPerRow ?? 0) > 0) {
      this.net.cpu = {
        freeAt: (to) => this.node(to).busyUntil,
        // Only for implementations that report no work: about a row per 100 bytes received.
        charge: (to, bytes) => {
          const n = this.node(to);
          if (n.replica?.probe.workDone === undefined) n.charge(bytes / 100);
        },
      };
    }
    this.conn = new Connectivity(
      this.sched,
      this.net,
      this.nodes,
      this.trace,
      (a, b) => !inboundOnly(scenario, b, a),
      (a) => (scenario.slowHosts ?? []).includes(a),
    );
    this.conn.onConnect = (a, b) => {
      this.retries.allowEarly(a, b, this.sched.now);
      this.helloFirst.reconnected(a, b);
      this.exchangesSerial.reconnected(a, b);
    };
    const shared = this.rng.fork("shared");
    for (let i = 0; i < 6; i++) this.sharedTags.push(idToHex(uuidv7(SIM_EPOCH_MS, shared)));
    for (let i = 0; i < 3; i++) this.sharedCollections.push(idToHex(uuidv7(SIM_EPOCH_MS, shared)));
  }

  /** What a caller reaches at device `i`: its handlers, or a liar's rewrite of them. */
  private endpoint(i: number): Endpoint {
    const node = this.node(i);
    const lie = node.lie;
    let service = node.replica?.service;
    const rangeOnly = this.rangeOnly;
    const sessions = this.sessionsOf(i);
    if (
      (lie === undefined && rangeOnly.size === 0 && sessions === undefined) ||
      service === undefined
    )
      return node;
    if (sessions !== undefined) service = helloRequiredService(service, sessions);
    if (rangeOnly.size > 0) {
      service = rangeOnlyService(service, rangeOnly.has(deviceIdOf(i)), (id) =>
        rangeOnly.has(idToHex(id)),
      );
    }
    if (lie !== undefined) service = lyingService(service, lie, i, node);
    return {
      alive: node.alive,
      generation: node.generation,
      service: node.alive ? service : undefined,
    };
  }

  /** Device `i`'s current incarnation's sessions, when it requires a Hello. */
  private sessionsOf(i: number): Sessions | undefined {
    const spec = this.scenario.helloRequired;
    if (spec === undefined || !spec.devices.includes(i)) return undefined;
    const key = `${i}@${this.node(i).generation}`;
    let s = this.sessions.get(key);
    if (s === undefined) {
      s = new Sessions(() => this.sched.now, spec.sessionMs);
      this.sessions.set(key, s);
    }
    return s;
  }

  /**
   * A replica that copies a stream from a damaged one (a corruption fault,
   * or a withholding liar) is damaged too until repaired: the safety
   * exemption follows the data (S11).
   */
  private spreadTaint(m: TapInfo): void {
    this.forgets.observe(m);
    if (m.rpc !== "Backfill" || m.part !== "page") return;
    const from = this.node(m.from);
    if (from.lie === undefined && !this.safety.hasTaint(m.from)) return;
    const page = m.message() as BackfillResponse;
    if (page.stream === undefined) return;
    const origin = idToHex(page.stream.origin);
    const key = streamKeyString({ origin, resource: page.stream.resource });
    // An origin that reorders its own pages withholds: nothing tells the
    // puller that a later page's rows come first (only a reconcile can).
    const lies =
      from.lie !== undefined &&
      (WITHHOLDING.has(from.lie) || (from.lie === "reorder-pages" && origin === from.deviceId));
    if (lies || this.safety.isTainted(m.from, key)) this.taint(m.to, m.from, key);
  }

  private taint(dev: number, from: number, key: string): void {
    if (this.safety.isTainted(dev, key)) return;
    this.safety.taint(dev, key);
    this.emit("taint", { dev, from, stream: key });
  }

  /** After an instant: each device pays for the storage work it just did (cpuMsPerRow). */
  async chargeWork(): Promise<void> {
    if ((this.scenario.cpuMsPerRow ?? 0) <= 0) return;
    for (const n of this.liveMembers()) await n.chargeWork();
  }

  /**
   * Calm weather on every link of the topology, all of them up again
   * (absent links stay absent), except what lasts: slow paths keep their
   * latency and bandwidth.
   */
  healNetwork(): void {
    this.net.setProfileAll(WEATHER.calm);
    this.lateParents.clear();
    for (const [key, lasting] of this.lastingLinks) {
      const [from, to] = key.split(">").map(Number) as [number, number];
      const l = this.net.link(from, to);
      l.profile = { ...l.profile, ...lasting };
    }
    for (let a = 0; a < this.scenario.devices; a++)
      for (let b = a + 1; b < this.scenario.devices; b++)
        if (linked(this.scenario, a, b)) this.net.heal(a, b);
  }

  /**
   * Runs `ask` with `from`'s requests marked as the harness's own (a lying
   * initiator at rest): honest-requests and invalid-reconciles-counted
   * judge the engine's requests, not these.
   */
  async asHarness<T>(from: number, ask: () => Promise<T>): Promise<T> {
    this.harnessWrites.set(from, (this.harnessWrites.get(from) ?? 0) + 1);
    try {
      return await ask();
    } finally {
      const left = (this.harnessWrites.get(from) ?? 1) - 1;
      if (left === 0) this.harnessWrites.delete(from);
      else this.harnessWrites.set(from, left);
    }
  }

  node(i: number): SimNode {
    const n = this.nodes[i];
    if (n === undefined) throw new RangeError(`no device d${i}`);
    return n;
  }

  /** Live members of the library under test, ascending index. */
  liveMembers(): SimNode[] {
    return this.nodes.filter((n) => n.alive && n.member && !this.isForeign(n.index));
  }

  /** Live devices of the scenario's second library (`foreign`), ascending index. */
  liveForeign(): SimNode[] {
    return this.nodes.filter((n) => n.alive && this.isForeign(n.index));
  }

  isForeign(i: number): boolean {
    return this.scenario.foreign?.includes(i) === true;
  }

  /** Device i's library id: the scenario's second library for a foreign device. */
  libraryOf(i: number): Uint8Array {
    return this.isForeign(i) ? FOREIGN_LIBRARY : LIBRARY;
  }

  /** Whether live members a and b of one library can talk now: linked, both links up. */
  reachable(a: SimNode, b: SimNode): boolean {
    const lib = (n: SimNode) => n.overrides.libraryId ?? LIBRARY_ID;
    return (
      a !== b &&
      a.alive &&
      b.alive &&
      a.member &&
      b.member &&
      lib(a) === lib(b) &&
      linked(this.scenario, a.index, b.index) &&
      this.net.link(a.index, b.index).up &&
      this.net.link(b.index, a.index).up
    );
  }

  emit(k: string, fields: Record<string, string | number | boolean>): void {
    this.trace.emit({ t: roundMs(this.sched.now), k, ...fields });
  }

  /**
   * Starts (or restarts) a device and pairs it with every member it has a
   * link to: the topology is who is paired, so in a ring, a line or a star
   * data between unpaired devices is relayed.
   */
  async startNode(i: number, image?: DiskImage): Promise<void> {
    const node = this.node(i);
    // A restart keeps its pairings; a joiner pairs with the members it can
    // reach now (pairing needs the other device), the rest pair on restart.
    // A host keeps no peer for its inbound-only client (the client pairs with it).
    const s = this.scenario;
    if (this.isForeign(i)) node.overrides = { ...node.overrides, libraryId: FOREIGN_LIBRARY_ID };
    const others = this.nodes.filter(
      (o) => o !== node && o.member && (node.member || o.alive) && linked(s, i, o.index),
    );
    await node.start(
      image,
      others.filter((o) => !inboundOnly(s, o.index, i)).map((o) => o.deviceId),
    );
    if (!node.alive || node.replica === undefined) return;
    for (const other of others)
      if (other.alive && !inboundOnly(s, i, other.index)) other.replica?.addPeer(node.deviceId);
    // A foreign device's own rows are its library's, not the oracle's.
    if (!this.isForeign(i)) await this.ingestOwnRows(i);
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
      const rows = await probe.entries(w.stream, { bodies: true });
      this.oracle.ingestOwn(w.stream, rows, w.cursor ?? 0n);
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

/**
 * The message as every tracker on the tap sees it, decoded once: each
 * tracker asks for it, and decoding a page or a push again for each one
 * cost more than judging it (trackers only read what they are given).
 */
function decodedOnce(m: TapInfo): TapInfo {
  let decoded: { readonly value: unknown } | undefined;
  return {
    ...m,
    message: () => {
      decoded ??= { value: m.message() };
      return decoded.value;
    },
  };
}
