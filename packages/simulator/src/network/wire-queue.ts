// What is still on a bandwidth-limited link's wire, in send order, so a
// call the client gave up on stops using it: HTTP/2 resets the stream and
// the sender sends none of its unsent bytes, so messages queued behind it
// go sooner (S2 stopped a server stream's later pages; this frees the rest
// of the page in progress and the abandoned call's queued messages).
import type { SimEvent } from "../event-queue.js";
import type { Scheduler } from "../scheduler.js";
import type { Link } from "./link.js";

/** In-order delivery state of one server stream. */
export type StreamOrder = { lastArrival: number };

/** One delivery of a message (a duplicate is a second one). */
export type Arrival = { ev: SimEvent; at: number; readonly run: () => void };

export type OnWire = {
  readonly call: number;
  start: number;
  depart: number;
  readonly arrivals: Arrival[];
  /** The server stream it belongs to, and that stream's last arrival before it. */
  readonly order: StreamOrder | undefined;
  readonly prevArrival: number;
  /** Told when the message is abandoned (its arrivals are cancelled). */
  readonly onLost: () => void;
};

export class WireQueue {
  private readonly entries: OnWire[] = [];

  constructor(
    private readonly link: Link,
    private readonly sched: Scheduler,
  ) {}

  /** A message now on the wire from `start` to `depart`, delivered by its `arrivals`. */
  add(e: OnWire): void {
    this.prune();
    this.entries.push(e);
  }

  /**
   * Call `call` was abandoned: its unsent bytes never go; every message
   * queued behind it departs and arrives that much sooner (a stream's
   * messages stay in order).
   */
  abandon(call: number): void {
    const now = this.sched.now;
    let cut = 0;
    const last = new Map<StreamOrder, { old: number; now: number }>();
    const keep: OnWire[] = [];
    for (const e of this.entries) {
      if (e.depart <= now) continue; // fully sent (nothing was cut before it)
      if (e.call === call) {
        const sent = Math.max(e.start, now);
        cut += e.depart - sent;
        for (const a of e.arrivals) this.sched.cancel(a.ev);
        e.onLost();
        continue;
      }
      if (cut > 0) this.shift(e, cut, last);
      keep.push(e);
    }
    this.entries.splice(0, this.entries.length, ...keep);
    if (cut > 0) this.link.release(cut);
    // A stream whose last message moved: later pages follow the new arrival.
    for (const [order, t] of last) if (order.lastArrival === t.old) order.lastArrival = t.now;
  }

  private shift(e: OnWire, cut: number, last: Map<StreamOrder, { old: number; now: number }>) {
    e.start -= cut;
    e.depart -= cut;
    for (const a of e.arrivals) {
      let at = a.at - cut;
      if (e.order !== undefined) {
        // One HTTP/2 stream is FIFO: never ahead of its previous message.
        const floor = last.get(e.order)?.now ?? e.prevArrival;
        at = Math.max(at, floor + 0.001);
        last.set(e.order, { old: a.at, now: at });
      }
      this.sched.cancel(a.ev);
      a.at = at;
      a.ev = this.sched.at(at, a.run);
    }
  }

  private prune(): void {
    const now = this.sched.now;
    let i = 0;
    while (i < this.entries.length && (this.entries[i] as OnWire).depart <= now) i++;
    if (i > 0) this.entries.splice(0, i);
  }
}
