// fast-check arbitraries for whole scenarios: topology (device count,
// weather), workload and fault schedule as one list of timed steps. Shrinking
// removes steps and shrinks numbers (command-sequence shrinking), so a
// failure ends as a short list of steps that still breaks a property.

import type { SyncConfig } from "@tidemark/engine";
import fc from "fast-check";
import type { Scenario, Step, WeatherName } from "./scenario.js";

export type ScenarioBounds = {
  readonly maxDevices: number;
  readonly maxSteps: number;
  readonly maxEntries: number;
  readonly chaosMs: number;
  readonly healMs: number;
};

export const SMALL_BOUNDS: ScenarioBounds = {
  maxDevices: 3,
  maxSteps: 10,
  maxEntries: 150,
  chaosMs: 10_000,
  healMs: 240_000,
};
export const SOAK_BOUNDS: ScenarioBounds = {
  maxDevices: 8,
  maxSteps: 40,
  maxEntries: 2_000,
  chaosMs: 30_000,
  healMs: 400_000,
};

const weatherArb: fc.Arbitrary<WeatherName> = fc.constantFrom("calm", "jittery", "lossy", "stormy");

function stepArb(b: ScenarioBounds): fc.Arbitrary<Step> {
  const dev = fc.nat({ max: b.maxDevices - 1 });
  const at = fc.nat({ max: b.chaosMs });
  const small = fc.integer({ min: 1, max: 10 });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        at,
        do: fc.constant("index" as const),
        dev,
        entries: fc.integer({ min: 1, max: b.maxEntries }),
        batch: fc.constantFrom(10, 50, 100),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ at, do: fc.constant("move" as const), dev, count: small }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        at,
        do: fc.constant("delete" as const),
        dev,
        count: fc.integer({ min: 1, max: 3 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ at, do: fc.constant("tags" as const), dev, count: small }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ at, do: fc.constant("collections" as const), dev, count: small }),
    },
    { weight: 2, arbitrary: fc.record({ at, do: fc.constant("join" as const), dev }) },
    { weight: 1, arbitrary: fc.record({ at, do: fc.constant("leave" as const), dev }) },
    {
      weight: 2,
      arbitrary: fc.record({ at, do: fc.constant("weather" as const), weather: weatherArb }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        at,
        do: fc.constant("partition" as const),
        a: dev,
        b: dev,
        oneWay: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ at, do: fc.constant("heal" as const), a: dev, b: dev }) },
    { weight: 2, arbitrary: fc.record({ at, do: fc.constant("crash" as const), dev }) },
    { weight: 2, arbitrary: fc.record({ at, do: fc.constant("restart" as const), dev }) },
    { weight: 1, arbitrary: fc.record({ at, do: fc.constant("backup" as const), dev }) },
    { weight: 1, arbitrary: fc.record({ at, do: fc.constant("restore" as const), dev }) },
    {
      weight: 1,
      arbitrary: fc.record({
        at,
        do: fc.constant("clog" as const),
        a: dev,
        b: dev,
        bytesPerMs: fc.constantFrom(5, 50, 500),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        at,
        do: fc.constant("clock" as const),
        dev,
        skewMs: fc.integer({ min: -240_000, max: 240_000 }),
        jumpMs: fc.integer({ min: -60_000, max: 60_000 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ at, do: fc.constant("lose-rows" as const), dev, count: small }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ at, do: fc.constant("stale-rows" as const), dev, count: small }),
    },
  );
}

/** Random scenarios within bounds; `variant` and `config` are passed through unchanged. */
export function scenarioArb(
  bounds: ScenarioBounds = SMALL_BOUNDS,
  extra: { readonly variant?: string; readonly config?: Partial<SyncConfig> } = {},
): fc.Arbitrary<Scenario> {
  return fc
    .record({
      seed: fc.nat(),
      devices: fc.integer({ min: 2, max: bounds.maxDevices }),
      weather: weatherArb,
      steps: fc.array(stepArb(bounds), { minLength: 1, maxLength: bounds.maxSteps }),
      // Small realtime batches make more, smaller pushes: more reordering.
      realtimeMaxBatch: fc.constantFrom(100, 10),
    })
    .map(
      (r): Scenario => ({
        name: "random",
        seed: r.seed,
        devices: r.devices,
        chaosMs: bounds.chaosMs,
        healMs: bounds.healMs,
        weather: r.weather,
        steps: r.steps,
        ...(extra.variant === undefined ? {} : { variant: extra.variant }),
        config: { realtimeMaxBatch: r.realtimeMaxBatch, ...extra.config },
      }),
    );
}
