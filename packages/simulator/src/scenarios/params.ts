// Parameters every named scenario takes from the CLI or a test.
export type ScenarioParams = {
  readonly seed: number;
  /** Number of devices (scenarios clamp it to what they need). */
  readonly devices?: number;
  /** Size multiplier; 1 is production scale (seed-gap: 170K entries). */
  readonly scale?: number;
};

export const DEFAULT_HEAL_MS = 300_000;

/** Entries for a scale, never below `min`. */
export function scaled(base: number, scale: number | undefined, min = 20): number {
  return Math.max(min, Math.round(base * (scale ?? 0.01)));
}
