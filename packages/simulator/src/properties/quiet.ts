// quiet-at-rest (S10, cost): once every replica holds the same state, the
// periodic exchanges that follow must find nothing to do. A pull or a
// reconcile between replicas that agree moves nothing and is pure waste
// (a decision rule that acts on equal cursors or equal fingerprints), and
// it repeats at every exchange for as long as the devices stay connected.
// Judged from the network: Backfill and Reconcile requests sent while the
// healed world rests for a periodic exchange, nothing written.
import type { TapInfo } from "../network/network.js";
import type { Scenario } from "../scenario.js";
import type { PropertyFailure } from "./property.js";

/** Requests that only a difference between replicas justifies. */
const REPAIR: ReadonlySet<string> = new Set(["Backfill", "Reconcile"]);

/** How long the healed world rests: a periodic exchange (every pair exchanges once) and some slack. */
export function restMs(s: Scenario): number {
  return Number(s.config?.periodicExchangeMs ?? 60_000) + 5_000;
}

export class QuietTracker {
  private active = false;
  private readonly seen: string[] = [];

  /** Sees every message sent (the network tap). */
  observe(m: TapInfo, now: number): void {
    if (this.active && m.part === "req" && REPAIR.has(m.rpc))
      this.seen.push(`d${m.from}>d${m.to} ${m.rpc} at ${Math.round(now)} ms`);
  }

  /** The world agrees from now on (until check()). */
  start(): void {
    this.active = true;
  }

  check(ms: number): PropertyFailure | undefined {
    this.active = false;
    if (this.seen.length === 0) return undefined;
    return {
      property: "quiet-at-rest",
      detail: `${this.seen.length} pull or reconcile requests while every replica held the same state and nothing was written for ${Math.round(ms)} ms: ${this.seen.slice(0, 6).join(", ")}${this.seen.length > 6 ? ", …" : ""}`,
    };
  }
}
