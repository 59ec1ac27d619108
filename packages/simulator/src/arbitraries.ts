// fast-check arbitraries for whole scenarios: topology (device count, which
// pairs are linked, weather), workload and fault schedule as one list of
// timed steps drawn from every workload and fault, some of them during the
// heal phase. Sizes are explicit (S7): fast-check's default size would cap
// the step list near 10 whatever maxSteps says, so the lists are drawn at
// full size, and entries, batches and page limits are chosen so pulls
// cross pages, batches and buffers. Shrinking removes steps and shrinks
// numbers, so a failure ends as a short list of steps.
import type { SyncConfig } from "@tidemark/engine";
import { HLC_MAX_OFFSET_MS } from "@tidemark/protocol";
import fc from "fast-check";
import type { Forgery, Lie, Scenario, Step, Topology, WeatherName } from "./scenario.js";

export type ScenarioBounds = {
  readonly maxDevices: number;
  readonly minSteps: number;
  readonly maxSteps: number;
  readonly maxEntries: number;
  /** Deepest directory chain an index step may build. */
  readonly maxDepth: number;
  readonly chaosMs: number;
  readonly healMs: number;
  /** Virtual ms after chaos in which heal-phase steps may fall. */
  readonly healStepsMs: number;
};

/** `pnpm test`: small but big enough to cross a page (pages of 50-200 changes), a batch and a buffer. */
export const SMALL_BOUNDS: ScenarioBounds = {
  maxDevices: 4,
  minSteps: 4,
  maxSteps: 14,
  maxEntries: 600,
  maxDepth: 60,
  chaosMs: 10_000,
  healMs: 240_000,
  healStepsMs: 5_000,
};

/** `pnpm sim:soak`: up to 16 devices, long schedules, thousands of rows, deep trees. */
export const SOAK_BOUNDS: ScenarioBounds = {
  maxDevices: 16,
  minSteps: 10,
  maxSteps: 60,
  maxEntries: 5_000,
  maxDepth: 2_000,
  chaosMs: 30_000,
  healMs: 400_000,
  healStepsMs: 20_000,
};

/**
 * Largest clock lead a random scenario draws: a change written that far
 * ahead is held until real time reaches it, and the heal must still have
 * room to converge after that (2 x periodic + 30 s, and some).
 */
function farAheadMaxMs(b: ScenarioBounds): number {
  return HLC_MAX_OFFSET_MS + b.healMs - 180_000 - b.chaosMs - b.healStepsMs;
}

const weatherArb: fc.Arbitrary<WeatherName> = fc.constantFrom("calm", "jittery", "lossy", "stormy");
const topologyArb: fc.Arbitrary<Topology> = fc.constantFrom("full", "full", "ring", "line", "star");
/** Lies an honest replica must withstand (forgery needs signatures: named tests only). */
const lieArb: fc.Arbitrary<Lie> = fc.constantFrom(
  "duplicate-pages",
  "reorder-pages",
  "drop-pages",
  "over-claim",
  "alter-rows",
  "strip-signatures",
  "re-sign",
);

const forgeryArb: fc.Arbitrary<Forgery> = fc.constantFrom(
  "other-origin",
  "receivers-stream",
  "forged-tombstone",
  "unsigned",
);

function workArb(b: ScenarioBounds, at: fc.Arbitrary<number>): fc.Arbitrary<Step> {
  const dev = fc.nat({ max: b.maxDevices - 1 });
  const small = fc.integer({ min: 1, max: 10 });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record(
        {
          at,
          do: fc.constant("index" as const),
          dev,
          entries: fc.integer({ min: 1, max: b.maxEntries }),
          batch: fc.constantFrom(10, 50, 100, 500),
          // Mostly realistic depths; now and then a chain thousands deep
          // (each move there costs subtree x depth closure rows: bug 11).
          depth: fc.oneof(
            { weight: 29, arbitrary: fc.integer({ min: 2, max: Math.min(64, b.maxDepth) }) },
            { weight: 1, arbitrary: fc.integer({ min: 2, max: b.maxDepth }) },
          ),
          // The host announces the scan (NotifyDataAvailable), held own
          // streams or not (an index after a restart or a join holds them).
          announce: fc.boolean(),
        },
        { requiredKeys: ["at", "do", "dev", "entries", "batch", "announce"] },
      ),
    },
    {
      weight: 3,
      arbitrary: fc.record(
        {
          at,
          do: fc.constant("move" as const),
          dev,
          count: small,
          targeted: fc.boolean(),
          // Now and then a location's top directory gets a parent (a parentless row moves).
          wrap: fc.boolean(),
        },
        { requiredKeys: ["at", "do", "dev", "count"] },
      ),
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
    // An app writing under a parent it no longer holds: each commit refused, nothing synced.
    {
      weight: 1,
      arbitrary: fc.record({
        at,
        do: fc.constant("stale-parent" as const),
        dev,
        count: fc.integer({ min: 1, max: 4 }),
      }),
    },
  );
}

function deviceFaultArb(b: ScenarioBounds, at: fc.Arbitrary<number>): fc.Arbitrary<Step> {
  const dev = fc.nat({ max: b.maxDevices - 1 });
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ at, do: fc.constant("crash" as const), dev }) },
    { weight: 2, arbitrary: fc.record({ at, do: fc.constant("restart" as const), dev }) },
    { weight: 2, arbitrary: fc.record({ at, do: fc.constant("backup" as const), dev }) },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          at,
          do: fc.constant("restore" as const),
          dev,
          which: fc.nat({ max: 4 }),
          thenWrite: fc.integer({ min: 1, max: 5 }),
        },
        { requiredKeys: ["at", "do", "dev"] },
      ),
    },
  );
}

function stepArb(b: ScenarioBounds): fc.Arbitrary<Step> {
  const dev = fc.nat({ max: b.maxDevices - 1 });
  const at = fc.nat({ max: b.chaosMs });
  const small = fc.integer({ min: 1, max: 10 });
  return fc.oneof(
    { weight: 15, arbitrary: workArb(b, at) },
    { weight: 8, arbitrary: deviceFaultArb(b, at) },
    // Work and restarts while healing (S7: faults and work during heal).
    {
      weight: 3,
      arbitrary: fc.oneof(
        workArb(b, fc.integer({ min: b.chaosMs + 1, max: b.chaosMs + b.healStepsMs })),
        deviceFaultArb(b, fc.integer({ min: b.chaosMs + 1, max: b.chaosMs + b.healStepsMs })),
      ),
    },
    { weight: 2, arbitrary: fc.record({ at, do: fc.constant("join" as const), dev }) },
    // A leaver with `keep` runs alone with its data; a later join pairs it again.
    {
      weight: 1,
      arbitrary: fc.record(
        { at, do: fc.constant("leave" as const), dev, keep: fc.boolean() },
        { requiredKeys: ["at", "do", "dev"] },
      ),
    },
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
    {
      // A new location's push arrives late: a relay holds its entries below its cursor (bug 10).
      weight: 1,
      arbitrary: fc.record({
        at,
        do: fc.constant("late-parents" as const),
        a: dev,
        b: dev,
        delayMs: fc.integer({ min: 1_000, max: 30_000 }),
      }),
    },
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
      weight: 2,
      arbitrary: fc.record(
        {
          at,
          do: fc.constant("link" as const),
          a: dev,
          b: dev,
          oneWay: fc.boolean(),
          latencyMs: fc.integer({ min: 1, max: 500 }),
          loss: fc.constantFrom(0, 0.05, 0.2, 0.5),
          bytesPerMs: fc.constantFrom(2, 20, 200, 2_000),
          persist: fc.boolean(),
        },
        { requiredKeys: ["at", "do", "a", "b"] },
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          at,
          do: fc.constant("clock" as const),
          dev,
          // Mostly within the HLC's max offset; now and then past it (bugs
          // 4 and 5: that origin's shared changes are held by rule until
          // real time reaches them, which must fit the heal window).
          skewMs: fc.oneof(
            { weight: 4, arbitrary: fc.integer({ min: -240_000, max: 240_000 }) },
            {
              weight: 1,
              arbitrary: fc.integer({ min: HLC_MAX_OFFSET_MS + 1, max: farAheadMaxMs(b) }),
            },
          ),
          jumpMs: fc.integer({ min: -86_400_000, max: 60_000 }),
          frozen: fc.boolean(),
          persist: fc.boolean(),
        },
        { requiredKeys: ["at", "do", "dev"] },
      ),
    },
    { weight: 1, arbitrary: fc.record({ at, do: fc.constant("liar" as const), dev, lie: lieArb }) },
    {
      weight: 1,
      arbitrary: fc.record({
        at,
        do: fc.constant("forge" as const),
        dev,
        target: dev,
        forgery: forgeryArb,
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

/**
 * One step, or now and then a device away with its data and back: unpaired
 * with `keep`, writing alone, then paired again (a join of the same device,
 * which independent draws almost never make).
 */
function stepGroupArb(b: ScenarioBounds): fc.Arbitrary<Step[]> {
  const away = fc
    .record({
      at: fc.nat({ max: b.chaosMs }),
      dev: fc.nat({ max: b.maxDevices - 1 }),
      awayMs: fc.integer({ min: 200, max: b.chaosMs }),
    })
    .map(({ at, dev, awayMs }): Step[] => [
      { at, do: "leave", dev, keep: true },
      { at: Math.min(at + awayMs, b.chaosMs), do: "join", dev },
    ]);
  return fc.oneof(
    { weight: 60, arbitrary: stepArb(b).map((st) => [st]) },
    { weight: 1, arbitrary: away },
  );
}

/** Drawn device indexes within the device count, deduplicated and sorted. */
function devicesOf(drawn: readonly number[], devices: number): number[] {
  return [...new Set(drawn.map((d) => d % devices))].sort((a, b) => a - b);
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
      topology: topologyArb,
      weather: weatherArb,
      steps: fc
        .array(stepGroupArb(bounds), {
          minLength: bounds.minSteps,
          maxLength: bounds.maxSteps,
          size: "max",
        })
        .map((groups) => groups.flat().slice(0, bounds.maxSteps)),
      // Small realtime batches make more, smaller pushes: more reordering
      // (one change a push: a location travels apart from its entries).
      realtimeMaxBatch: fc.constantFrom(100, 10, 1),
      // Small pages make pulls cross many pages, and resumes matter.
      pageMaxChanges: fc.constantFrom(50, 200, 1_000),
      // A small byte budget cuts pages by bytes (an entry is ~150 B); one below
      // a change still sends one change a page (BF-5). 0 keeps the default.
      pageMaxBytes: fc.constantFrom(0, 0, 0, 4_000, 600, 100),
      pruneTombstones: fc.boolean(),
      // A small dependency buffer (bug 9): children pulled before their
      // parents overflow it unless parents are pulled first across pulls.
      dependencyBufferMax: fc.constantFrom(0, 0, 1_000, 150),
      cpuMsPerRow: fc.constantFrom(0, 0, 0.002, 0.02),
      // Revision 1.1 peers beside ours (another implementation that skipped
      // coded symbols): their reconciles run range rounds (§7.1-7.8), which
      // a world of coded-symbol peers reaches only on a decoding fallback.
      rangeOnly: fc.oneof(
        { weight: 2, arbitrary: fc.constant<number[]>([]) },
        {
          weight: 1,
          arbitrary: fc.uniqueArray(fc.nat({ max: bounds.maxDevices - 1 }), {
            minLength: 1,
            maxLength: 3,
          }),
        },
      ),
      // Devices with the smallest range-round limits (§7.5), as initiator and responder.
      smallLimits: fc.oneof(
        { weight: 3, arbitrary: fc.constant<number[]>([]) },
        {
          weight: 1,
          arbitrary: fc.uniqueArray(fc.nat({ max: bounds.maxDevices - 1 }), {
            minLength: 1,
            maxLength: 2,
          }),
        },
      ),
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
        ...(r.topology === "full" ? {} : { topology: r.topology }),
        ...(r.cpuMsPerRow === 0 ? {} : { cpuMsPerRow: r.cpuMsPerRow }),
        ...(r.rangeOnly.length === 0 ? {} : { rangeOnly: devicesOf(r.rangeOnly, r.devices) }),
        ...(r.smallLimits.length === 0 ? {} : { smallLimits: devicesOf(r.smallLimits, r.devices) }),
        ...(extra.variant === undefined ? {} : { variant: extra.variant }),
        config: {
          realtimeMaxBatch: r.realtimeMaxBatch,
          pageMaxChanges: r.pageMaxChanges,
          ...(r.pageMaxBytes === 0 ? {} : { pageMaxBytes: r.pageMaxBytes }),
          ...(r.pruneTombstones ? { pruneTombstones: true } : {}),
          ...(r.dependencyBufferMax === 0 ? {} : { dependencyBufferMax: r.dependencyBufferMax }),
          ...extra.config,
        },
      }),
    );
}
