// A scenario is plain data: devices, timed steps (workload and faults),
// chaos and heal durations. Named scenarios build one; fast-check generates
// them; `--spec` replays one from JSON. Same scenario + seed + code = same run.
import type { SyncConfig } from "@tidemark/engine";

export type WeatherName = "calm" | "jittery" | "lossy" | "stormy";

export type Step =
  // workloads
  | {
      readonly at: number;
      readonly do: "index";
      readonly dev: number;
      readonly entries: number;
      readonly batch?: number;
    }
  | { readonly at: number; readonly do: "move"; readonly dev: number; readonly count: number }
  | { readonly at: number; readonly do: "delete"; readonly dev: number; readonly count: number }
  | { readonly at: number; readonly do: "tags"; readonly dev: number; readonly count: number }
  | {
      readonly at: number;
      readonly do: "collections";
      readonly dev: number;
      readonly count: number;
    }
  | { readonly at: number; readonly do: "join"; readonly dev: number }
  | { readonly at: number; readonly do: "leave"; readonly dev: number }
  // faults
  | { readonly at: number; readonly do: "weather"; readonly weather: WeatherName }
  | {
      readonly at: number;
      readonly do: "partition";
      readonly a: number;
      readonly b: number;
      readonly oneWay?: boolean;
    }
  | { readonly at: number; readonly do: "heal"; readonly a: number; readonly b: number }
  | { readonly at: number; readonly do: "isolate"; readonly dev: number }
  | {
      readonly at: number;
      readonly do: "clog";
      readonly a: number;
      readonly b: number;
      readonly bytesPerMs: number;
    }
  | { readonly at: number; readonly do: "crash"; readonly dev: number }
  | { readonly at: number; readonly do: "restart"; readonly dev: number }
  | { readonly at: number; readonly do: "backup"; readonly dev: number }
  | { readonly at: number; readonly do: "restore"; readonly dev: number }
  | {
      readonly at: number;
      readonly do: "clock";
      readonly dev: number;
      readonly skewMs?: number;
      readonly drift?: number;
      readonly jumpMs?: number;
      readonly epochZero?: boolean;
    }
  // state corruption (test-only faults on one replica's SQLite)
  | { readonly at: number; readonly do: "lose-rows"; readonly dev: number; readonly count: number }
  | {
      readonly at: number;
      readonly do: "stale-rows";
      readonly dev: number;
      readonly count: number;
    };

export type StepKind = Step["do"];

export type Scenario = {
  readonly name: string;
  readonly seed: number;
  /** Devices 0..devices-1; those without a "join" step start at time 0. */
  readonly devices: number;
  /** Virtual ms of chaos; then faults stop and the heal phase begins. */
  readonly chaosMs: number;
  /** Bound on virtual ms after healing for the properties to hold. */
  readonly healMs: number;
  readonly weather: WeatherName;
  readonly steps: readonly Step[];
  /** Devices left down through the heal phase (e.g. an origin that stays offline). */
  readonly keepDown?: readonly number[];
  readonly config?: Partial<SyncConfig>;
  /** A known-bad variant every device runs (see the adapter's `variants`). */
  readonly variant?: string;
};

/** Devices that join late (not started at time 0). */
export function lateJoiners(s: Scenario): Set<number> {
  const out = new Set<number>();
  for (const st of s.steps) if (st.do === "join") out.add(st.dev);
  return out;
}

/** Steps with device indexes outside the scenario are dropped (shrinking can produce them). */
export function normalizeScenario(s: Scenario): Scenario {
  const ok = (d: number) => Number.isInteger(d) && d >= 0 && d < s.devices;
  const steps = s.steps.filter((st) => {
    if ("dev" in st && !ok(st.dev)) return false;
    if ("a" in st && (!ok(st.a) || !ok(st.b) || st.a === st.b)) return false;
    return st.at >= 0 && st.at <= s.chaosMs;
  });
  return { ...s, steps: [...steps].sort((x, y) => x.at - y.at) };
}
