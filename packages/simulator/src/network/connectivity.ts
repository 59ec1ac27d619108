// Connect/disconnect notifications, as a host would raise them: when two
// live devices can reach each other (no symmetric cut), each engine hears
// peerConnected after a short handshake delay; when that stops being true
// it hears peerDisconnected after a detection delay. One-way cuts raise
// nothing (the silent case: calls just time out). A host keeps no peer
// for an inbound-only client, so it is told nothing of one. A slow host
// hears of a peer's return late: the peer's own Hello reaches it first.
import type { SimNode } from "../node.js";
import type { Scheduler } from "../scheduler.js";
import { roundMs, type Trace } from "../trace.js";
import type { Network } from "./network.js";

export const CONNECT_DELAY_MS = 30;
/** A slow host's connect delay: its dialer waits out a backoff of its own. */
export const SLOW_CONNECT_DELAY_MS = 3_000;
export const DETECT_DISCONNECT_MS = 1_000;

export class Connectivity {
  /** perceived[a][b] per incarnation of a: "a believes b is connected". */
  private perceived = new Map<string, boolean>();
  /** Told when device `a` hears that `b` connected (an engine may retry at once then). */
  onConnect: ((a: number, b: number) => void) | undefined;

  constructor(
    private readonly sched: Scheduler,
    private readonly net: Network,
    private readonly nodes: readonly SimNode[],
    private readonly trace: Trace,
    /** Whether `a`'s host tells its engine about `b` at all (false: `b` is `a`'s inbound-only client). */
    private readonly tells: (a: number, b: number) => boolean = () => true,
    /** Whether `a`'s host notices a peer's (re)connect late (SLOW_CONNECT_DELAY_MS). */
    private readonly slow: (a: number) => boolean = () => false,
  ) {}

  private want(a: SimNode, b: SimNode): boolean {
    const cut = !this.net.link(a.index, b.index).up && !this.net.link(b.index, a.index).up;
    return a.alive && b.alive && a.member && b.member && !cut;
  }

  /** Re-evaluates every pair after any change (start, crash, partition, heal). */
  update(): void {
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a === b || !a.alive || !this.tells(a.index, b.index)) continue;
        const key = `${a.index}:${a.generation}>${b.index}`;
        const has = this.perceived.get(key) ?? false;
        const want = this.want(a, b);
        if (has === want) continue;
        this.perceived.set(key, want);
        const gen = a.generation;
        const connectMs = this.slow(a.index) ? SLOW_CONNECT_DELAY_MS : CONNECT_DELAY_MS;
        const delay = want ? connectMs : DETECT_DISCONNECT_MS;
        this.sched.after(delay, () => {
          if (!a.alive || a.generation !== gen || this.perceived.get(key) !== want) return;
          const replica = a.replica;
          if (replica === undefined) return;
          this.trace.emit({
            t: roundMs(this.sched.now),
            k: want ? "connect" : "disconnect",
            dev: a.index,
            peer: b.index,
          });
          if (want) {
            this.onConnect?.(a.index, b.index);
            replica.peerConnected(b.deviceId);
          } else replica.peerDisconnected(b.deviceId);
        });
      }
    }
  }
}
