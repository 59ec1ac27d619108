// quiet-at-rest (S10, cost): once every replica holds the same state, the
// periodic exchanges that follow must find nothing to do. A pull or a
// reconcile between replicas that agree moves nothing and is pure waste
// (a decision rule that acts on equal cursors or equal fingerprints), and
// it repeats at every exchange for as long as the devices stay connected.
// Judged from the network: Backfill and Reconcile requests sent while the
// healed world rests for a periodic exchange, nothing written.
// chatter-at-rest: nor may the devices chatter then: each device exchanges
// watermarks with a peer about once per periodic interval (a spare one for
// a race), not in a loop. (Hellos are not judged, nor an exchange a peer
// refused UNKNOWN_PEER: one that forgets sessions asks for a Hello and the
// exchange again, ER-5.)
import type { Delivered, TapInfo } from "../network/network.js";
import type { Scenario } from "../scenario.js";
import { refusedUnknownPeer } from "./hello-first.js";
import type { PropertyFailure } from "./property.js";

/** Requests that only a difference between replicas justifies. */
const REPAIR: ReadonlySet<string> = new Set(["Backfill", "Reconcile"]);

/** The devices' periodic exchange interval (the reference engine's default unless set). */
export function periodicMs(s: Scenario): number {
  return Number(s.config?.periodicExchangeMs ?? 60_000);
}

/** How long the healed world rests: a periodic exchange (every pair exchanges once) and some slack. */
export function restMs(s: Scenario): number {
  return periodicMs(s) + 5_000;
}

export class QuietTracker {
  private active = false;
  private readonly seen: string[] = [];
  /** `d${a}>d${b}` -> watermark exchanges a started with b while resting. */
  private readonly exchanges = new Map<string, number>();
  /** Exchange calls made while resting, by call id: their pair. */
  private readonly calls = new Map<number, string>();

  /** Sees every message sent (the network tap). */
  observe(m: TapInfo, now: number): void {
    if (!this.active || m.part !== "req") return;
    const pair = `d${m.from}>d${m.to}`;
    if (REPAIR.has(m.rpc)) this.seen.push(`${pair} ${m.rpc} at ${Math.round(now)} ms`);
    if (m.rpc === "ExchangeWatermarks") {
      this.exchanges.set(pair, (this.exchanges.get(pair) ?? 0) + 1);
      this.calls.set(m.call, pair);
    }
  }

  /** Every message delivered: an exchange refused UNKNOWN_PEER is not counted. */
  delivered(m: Delivered): void {
    const pair = this.calls.get(m.call);
    if (pair === undefined || m.rpc !== "ExchangeWatermarks" || m.part === "req") return;
    this.calls.delete(m.call);
    if (refusedUnknownPeer(m)) this.exchanges.set(pair, (this.exchanges.get(pair) ?? 1) - 1);
  }

  /** The world agrees from now on (until check()). */
  start(): void {
    this.active = true;
  }

  /** Judges the rest of `ms` (devices exchanging every `periodicMs`). */
  check(ms: number, periodicMs: number): PropertyFailure | undefined {
    this.active = false;
    if (this.seen.length > 0)
      return {
        property: "quiet-at-rest",
        detail: `${this.seen.length} pull or reconcile requests while every replica held the same state and nothing was written for ${Math.round(ms)} ms: ${this.seen.slice(0, 6).join(", ")}${this.seen.length > 6 ? ", …" : ""}`,
      };
    const most = Math.floor(ms / periodicMs) + 2;
    const over = [...this.exchanges].filter(([, n]) => n > most);
    if (over.length === 0) return undefined;
    return {
      property: "chatter-at-rest",
      detail: `watermark exchanges looping while the healed world rested ${Math.round(ms)} ms (periodic every ${periodicMs} ms: at most ${most} per pair): ${over
        .slice(0, 6)
        .map(([pair, n]) => `${pair} ${n}`)
        .join(", ")}`,
    };
  }
}
