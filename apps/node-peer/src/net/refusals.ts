// Callers the listener refused, kept for `status` so the owner sees who
// knocked ("refused: not paired <id>") and can pair it with one command.
// Bounded: the most recent devices only, however many keys an attacker makes.
import type { Refusal, RefusalReason } from "./caller-gate.js";

export type RefusedCaller = {
  /** The device id its certificate proves; absent when it showed none (or not ed25519). */
  readonly deviceId?: string;
  readonly reason: RefusalReason;
  readonly address: string;
  readonly count: number;
  readonly lastAt: string;
};

const MAX_KEPT = 32;

export class RefusedCallers {
  private readonly byKey = new Map<string, RefusedCaller>();

  record(refusal: Omit<Refusal, "method">): RefusedCaller {
    const deviceId = refusal.deviceId;
    // One row per device; callers without an id, one per reason and host.
    const key = deviceId ?? `${refusal.reason}@${refusal.address.replace(/:\d+$/, "")}`;
    const prior = this.byKey.get(key);
    const row: RefusedCaller = {
      ...(deviceId === undefined ? {} : { deviceId }),
      reason: refusal.reason,
      address: refusal.address,
      count: (prior?.count ?? 0) + 1,
      lastAt: new Date().toISOString(),
    };
    this.byKey.delete(key);
    this.byKey.set(key, row);
    while (this.byKey.size > MAX_KEPT) {
      const oldest = this.byKey.keys().next().value;
      if (oldest === undefined) break;
      this.byKey.delete(oldest);
    }
    return row;
  }

  /** Forgets a device once it is paired. */
  forget(deviceId: string): void {
    this.byKey.delete(deviceId);
  }

  /** Most recent first. */
  list(): RefusedCaller[] {
    return [...this.byKey.values()].reverse();
  }
}
