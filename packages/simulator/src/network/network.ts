// The simulated network: a directed Link per ordered pair of devices, one
// scheduler, one trace. Partitions are links marked down (one direction
// for one-way partitions); messages in flight on a link that goes down are
// lost, like packets on a cut cable.
import type { Prng } from "../prng.js";
import type { Scheduler } from "../scheduler.js";
import { roundMs, type Trace } from "../trace.js";
import { CALM_LINK, Link, type LinkProfile, type SendPlan } from "./link.js";
import { type Arrival, type StreamOrder, WireQueue } from "./wire-queue.js";

export type { StreamOrder } from "./wire-queue.js";

export type MessageLabel = {
  /** RPC method name, e.g. "PushChanges". */
  readonly rpc: string;
  /** "req", "res", "page", "end", "err". */
  readonly part: string;
  /** Call id, shared by a request and its responses. */
  readonly call: number;
};

/** One message as a tap sees it; `message()` decodes it on demand. */
export type TapInfo = {
  readonly from: number;
  readonly to: number;
  readonly rpc: string;
  readonly part: string;
  readonly call: number;
  readonly bytes: number;
  readonly message: () => unknown;
};

/** A message that reached its endpoint, as `onDeliver` sees it. */
export type Delivered = {
  readonly from: number;
  readonly to: number;
  readonly rpc: string;
  readonly part: string;
  readonly call: number;
  /** Decodes the message on demand. */
  readonly message: () => unknown;
};

/** A tap's say over one message: lose it, or deliver it after a fixed delay (or twice). */
export type Verdict = {
  readonly drop?: boolean;
  readonly delayMs?: number;
  readonly duplicate?: boolean;
};

/** Consulted on every send before the link's own profile (targeted faults in tests). */
export type Tap = (m: TapInfo) => Verdict | undefined;

export type NetworkStats = {
  messages: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  bytes: number;
};

export class Network {
  private readonly links: Link[][] = [];
  private readonly wires = new Map<Link, WireQueue>();
  /** Device -> messages that reached it while its CPU was busy, in arrival order. */
  private readonly waiting = new Map<number, (() => void)[]>();
  private calls = 0;
  /** Messages scheduled for delivery and not yet delivered or lost. */
  inFlight = 0;
  /** Optional per-message override (see Tap). */
  tap: Tap | undefined;
  /** Told of every message that reaches its endpoint (properties that judge outcomes). */
  onDeliver: ((m: Delivered) => void) | undefined;
  /**
   * Calls a -> b that fail at once with Unavailable (connection refused)
   * instead of being lost silently. Scenario partitions are silent; the
   * engine tests' cluster refuses calls over a cut link or to a device
   * that is down, as a host's TCP stack would.
   */
  refusal: ((from: number, to: number) => boolean) | undefined;
  /**
   * A receiver's CPU: a message waits until its device is free, then keeps
   * it busy in proportion to its size (a big page or push costs time).
   */
  cpu: { freeAt(to: number): number; charge(to: number, bytes: number): void } | undefined;
  readonly stats: NetworkStats = { messages: 0, delivered: 0, dropped: 0, duplicated: 0, bytes: 0 };

  constructor(
    readonly size: number,
    private readonly sched: Scheduler,
    rng: Prng,
    private readonly trace: Trace,
    profile: LinkProfile = CALM_LINK,
  ) {
    for (let a = 0; a < size; a++) {
      const row: Link[] = [];
      for (let b = 0; b < size; b++) row.push(new Link(a, b, profile, rng.fork(`link:${a}->${b}`)));
      this.links.push(row);
    }
  }

  /** Call ids are per network, so every run numbers its calls from 1. */
  nextCallId(): number {
    return ++this.calls;
  }

  link(from: number, to: number): Link {
    const l = this.links[from]?.[to];
    if (l === undefined) throw new RangeError(`no link ${from}->${to}`);
    return l;
  }

  /** Sets the profile of every link (chaos on/off). */
  setProfileAll(profile: LinkProfile): void {
    for (const row of this.links) for (const l of row) l.profile = profile;
  }

  /**
   * The client gave up on call `call` (deadline, abort): like an HTTP/2
   * stream reset, none of its unsent bytes go, in either direction, and
   * what was queued behind them on a bandwidth-limited link goes sooner.
   */
  abandon(call: number): void {
    for (const q of this.wires.values()) q.abandon(call);
  }

  /** Cuts a -> b (and b -> a unless oneWay). */
  partition(a: number, b: number, oneWay: boolean): void {
    this.link(a, b).up = false;
    if (!oneWay) this.link(b, a).up = false;
  }

  /** Restores both directions between a and b. */
  heal(a: number, b: number): void {
    this.link(a, b).up = true;
    this.link(b, a).up = true;
  }

  healAll(): void {
    for (const row of this.links) for (const l of row) l.up = true;
  }

  /**
   * Hands a message that reached `to` over once its CPU is free, after
   * every message that reached it before (a host reads its sockets in
   * order: pages of one stream never overtake each other while it is busy).
   */
  private whenFree(to: number, hand: () => void): void {
    const queue = this.waiting.get(to);
    if (queue !== undefined) {
      queue.push(hand);
      return;
    }
    if ((this.cpu?.freeAt(to) ?? 0) <= this.sched.now) {
      hand();
      return;
    }
    this.waiting.set(to, [hand]);
    this.sched.at(this.cpu?.freeAt(to) ?? 0, () => this.drain(to));
  }

  private drain(to: number): void {
    const queue = this.waiting.get(to) ?? [];
    for (let next = queue[0]; next !== undefined; next = queue[0]) {
      const free = this.cpu?.freeAt(to) ?? 0;
      if (free > this.sched.now) {
        this.sched.at(free, () => this.drain(to));
        return;
      }
      queue.shift();
      next();
    }
    this.waiting.delete(to);
  }

  private wireOf(link: Link): WireQueue {
    let q = this.wires.get(link);
    if (q === undefined) {
      q = new WireQueue(link, this.sched);
      this.wires.set(link, q);
    }
    return q;
  }

  /** True when a call from -> to is refused at once (see `refusal`). */
  refuses(from: number, to: number): boolean {
    return this.refusal?.(from, to) ?? false;
  }

  /** True when both directions between a and b are up. */
  reachable(a: number, b: number): boolean {
    return this.link(a, b).up && this.link(b, a).up;
  }

  /**
   * Sends `bytes` from -> to. `arrive` runs at delivery time unless the
   * message is lost, the link is down then, or `stillWanted()` says the
   * endpoint that would handle it is gone (crashed since). With `order`,
   * delivery is FIFO and never duplicated (parts of one server stream).
   * Returns false when the message was dropped at once.
   */
  send(
    from: number,
    to: number,
    bytes: number,
    label: MessageLabel,
    stillWanted: () => boolean,
    arrive: () => void,
    order?: StreamOrder,
    message?: () => unknown,
  ): boolean {
    const link = this.link(from, to);
    const verdict = this.tap?.({
      from,
      to,
      rpc: label.rpc,
      part: label.part,
      call: label.call,
      bytes,
      message: message ?? (() => undefined),
    });
    const planned = link.plan(this.sched.now, bytes);
    const plan: SendPlan =
      verdict === undefined || planned.kind === "drop"
        ? planned
        : verdict.drop === true
          ? { kind: "drop", reason: "tap" }
          : {
              kind: "deliver",
              arriveAt:
                verdict.delayMs === undefined ? planned.arriveAt : this.sched.now + verdict.delayMs,
              duplicateAt: verdict.duplicate === true ? planned.arriveAt + 1 : planned.duplicateAt,
            };
    this.stats.messages++;
    this.stats.bytes += bytes;
    const t = roundMs(this.sched.now);
    if (plan.kind === "drop") {
      this.stats.dropped++;
      this.trace.emit({
        t,
        k: "drop",
        from,
        to,
        rpc: label.rpc,
        part: label.part,
        call: label.call,
        bytes,
        why: plan.reason,
      });
      return false;
    }
    let arriveAt = plan.arriveAt;
    let duplicateAt = plan.duplicateAt;
    const prevArrival = order?.lastArrival ?? 0;
    if (order !== undefined) {
      // One HTTP/2 stream is FIFO and never duplicates.
      arriveAt = Math.max(arriveAt, order.lastArrival + 0.001);
      order.lastArrival = arriveAt;
      duplicateAt = undefined;
    }
    const at = roundMs(arriveAt);
    this.trace.emit({
      t,
      k: "send",
      from,
      to,
      rpc: label.rpc,
      part: label.part,
      call: label.call,
      bytes,
      at,
    });
    const lost = (why: "gone" | "down" | "abandoned"): void => {
      this.stats.dropped++;
      // Disposing the nodes after the run aborts calls still in flight: the
      // trace has ended by then, and those frames are not part of the run.
      if (this.trace.finished) return;
      this.trace.emit({
        t: roundMs(this.sched.now),
        k: "lost",
        from,
        to,
        rpc: label.rpc,
        part: label.part,
        call: label.call,
        why,
      });
    };
    const deliver = (copy: number) => (): void => this.whenFree(to, hand(copy));
    const hand = (copy: number) => (): void => {
      this.inFlight--;
      const now = roundMs(this.sched.now);
      if (!link.up || !stillWanted()) {
        lost(link.up ? "gone" : "down");
        return;
      }
      this.stats.delivered++;
      this.trace.emit({
        t: now,
        k: "recv",
        from,
        to,
        rpc: label.rpc,
        part: label.part,
        call: label.call,
        copy,
      });
      arrive();
      this.onDeliver?.({
        from,
        to,
        rpc: label.rpc,
        part: label.part,
        call: label.call,
        message: message ?? (() => undefined),
      });
      this.cpu?.charge(to, bytes);
    };
    const arrivals: Arrival[] = [];
    const schedule = (at: number, copy: number) => {
      this.inFlight++;
      const run = deliver(copy);
      arrivals.push({ ev: this.sched.at(at, run), at, run });
    };
    schedule(arriveAt, 0);
    if (duplicateAt !== undefined) {
      this.stats.duplicated++;
      schedule(duplicateAt, 1);
    }
    if (plan.wire !== undefined && plan.wire.depart > this.sched.now) {
      this.wireOf(link).add({
        call: label.call,
        start: plan.wire.start,
        depart: plan.wire.depart,
        arrivals,
        order,
        prevArrival,
        onLost: () => {
          this.inFlight -= arrivals.length;
          lost("abandoned");
        },
      });
    }
    return true;
  }
}
