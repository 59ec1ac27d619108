// One directed link's behaviour and state. Latency is base + exponential
// jitter (so later sends can overtake earlier ones: reordering); a
// bandwidth limit serialises bytes onto the wire (clogging).
import type { Prng } from "../prng.js";

export type LinkProfile = {
  /** Fixed one-way latency, ms. */
  readonly latencyMs: number;
  /** Mean of the exponential jitter added to each message, ms. */
  readonly jitterMs: number;
  /** Probability a message is lost. */
  readonly loss: number;
  /** Probability a message is delivered twice. */
  readonly duplicate: number;
  /** Probability a message is held back by an extra `reorderDelayMs`. */
  readonly reorder: number;
  readonly reorderDelayMs: number;
  /** Bytes per ms on the wire; undefined = unlimited. */
  readonly bytesPerMs: number | undefined;
};

export const CALM_LINK: LinkProfile = {
  latencyMs: 5,
  jitterMs: 1,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 0,
  bytesPerMs: undefined,
};

export const STORMY_LINK: LinkProfile = {
  latencyMs: 20,
  jitterMs: 30,
  loss: 0.05,
  duplicate: 0.03,
  reorder: 0.1,
  reorderDelayMs: 200,
  bytesPerMs: 2_000,
};

export type SendPlan =
  | { readonly kind: "drop"; readonly reason: "down" | "loss" | "tap" }
  | {
      readonly kind: "deliver";
      readonly arriveAt: number;
      readonly duplicateAt: number | undefined;
      /** Under a bandwidth limit: when its first byte goes and its last has gone. */
      readonly wire?: { readonly start: number; readonly depart: number };
    };

export class Link {
  up = true;
  profile: LinkProfile;
  /** Virtual time at which the wire is free again (bandwidth). */
  private busyUntil = 0;
  /** Ms the wire has carried (or is booked to carry) bytes under a limit, in total. */
  busyMs = 0;

  constructor(
    readonly from: number,
    readonly to: number,
    profile: LinkProfile,
    private readonly rng: Prng,
  ) {
    this.profile = profile;
  }

  /** Decides the fate of a message of `bytes` sent at `now`. */
  plan(now: number, bytes: number): SendPlan {
    if (!this.up) return { kind: "drop", reason: "down" };
    const p = this.profile;
    // Draw every random number in a fixed order whatever the outcome, so
    // a changed probability doesn't shift unrelated decisions.
    const lost = this.rng.next() < p.loss;
    const dup = this.rng.next() < p.duplicate;
    const late = this.rng.next() < p.reorder;
    const jitter = p.jitterMs > 0 ? this.rng.exponential(p.jitterMs) : 0;
    const dupGap = this.rng.next() * (p.jitterMs + 1);
    if (lost) return { kind: "drop", reason: "loss" };
    let depart = now;
    let wire: { start: number; depart: number } | undefined;
    if (p.bytesPerMs !== undefined && p.bytesPerMs > 0) {
      const start = Math.max(now, this.busyUntil);
      depart = start + bytes / p.bytesPerMs;
      this.busyUntil = depart;
      this.busyMs += bytes / p.bytesPerMs;
      wire = { start, depart };
    }
    const arriveAt = depart + p.latencyMs + jitter + (late ? p.reorderDelayMs : 0);
    const duplicateAt = dup ? arriveAt + dupGap : undefined;
    return wire === undefined
      ? { kind: "deliver", arriveAt, duplicateAt }
      : { kind: "deliver", arriveAt, duplicateAt, wire };
  }

  /** Bytes of an abandoned message that will not go after all: the wire frees `ms` sooner. */
  release(ms: number): void {
    this.busyUntil -= ms;
    this.busyMs -= ms;
  }

  /**
   * When the wire is free (for pacing a server stream). Without a bandwidth
   * limit a message departs at once (plan), so a queue left from an earlier
   * limit holds nothing back either.
   */
  freeAt(now: number): number {
    const limited = this.profile.bytesPerMs !== undefined && this.profile.bytesPerMs > 0;
    return limited ? Math.max(now, this.busyUntil) : now;
  }
}
