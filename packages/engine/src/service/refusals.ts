// Calls refused before they reached the library (PROTOCOL.md
// "Authorization"), kept per (device, reason) so `status` can show the
// owner which device knocked ("refused: not paired <id>") and pair it.
import type { Metrics } from "../metrics/metrics.js";
import type { RefusalReason, RefusedCaller } from "../replica-api.js";

// Made-up identities cannot grow the list for ever: oldest forgotten first.
const MAX_REFUSED = 256;

export class Refusals {
  private readonly byKey = new Map<string, RefusedCaller>();

  constructor(private readonly metrics: Metrics) {}

  note(device: string, reason: RefusalReason, at: number): void {
    const key = `${reason}/${device}`;
    const prev = this.byKey.get(key);
    this.byKey.delete(key);
    if (this.byKey.size >= MAX_REFUSED) {
      const oldest = this.byKey.keys().next().value;
      if (oldest !== undefined) this.byKey.delete(oldest);
    }
    this.byKey.set(key, { device, reason, count: (prev?.count ?? 0) + 1, lastAt: at });
    this.metrics.inc("tidemark_refused_calls_total", { reason });
  }

  /** Newest first. */
  list(): RefusedCaller[] {
    return [...this.byKey.values()].reverse();
  }
}
