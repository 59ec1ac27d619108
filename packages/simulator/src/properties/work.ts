// Liveness and cost after healing (S10). A run must converge within a
// bound (twice the periodic exchange plus slack, and a little per change,
// plus the time a lasting bandwidth limit needs to carry what crossed it),
// not merely inside the heal window; and the changes moved to devices after
// healing began must be of the order of what they lacked then (plus what
// was written meanwhile) — a storm of re-sent data is a failure, not a
// figure in one scenario.
import { HLC_COUNTER_BITS } from "@tidemark/protocol";
import type { TapInfo } from "../network/network.js";
import type { SimNode } from "../node.js";
import type { Oracle } from "../oracle.js";
import { linked, type Scenario } from "../scenario.js";
import { SIM_EPOCH_MS } from "../virtual-clock.js";
import type { PropertyFailure } from "./property.js";

export type WorkCounter = {
  /**
   * Row versions live devices lacked when healing began (summed over
   * devices), tombstones included: a Backfill serves a stream's deletes
   * above its horizon to a device that never had the row too (the stream
   * as of its head holds them), so they are work that had to be done.
   */
  readonly missing: number;
  /** Changes sent to devices after healing began (Backfill pages, realtime pushes). */
  readonly delivered: number;
  /** Changes committed after healing began (each goes to every other device). */
  readonly committed: number;
};

/** Changes the heal phase may move, per change it has to move, before it is needless. */
export const WORK_FACTOR = 4;
/** Changes of slack (an exchange's first page, a retried push). */
export const WORK_SLACK = 500;

export class WorkTracker {
  private missing = 0;
  private delivered = 0;
  private committedAtStart = 0;
  private active = false;
  /** Each link's wire time (wireMs) when healing began, `from>to`. */
  private readonly wireAtStart = new Map<string, number>();

  /** `wireMs(from, to)`: ms the link's wire has carried bytes under a bandwidth limit so far. */
  constructor(
    private readonly oracle: Oracle,
    private readonly devices: number,
    private readonly wireMs: (from: number, to: number) => number = () => 0,
  ) {}

  /** Counts what each live device lacks against every origin's head. */
  async start(nodes: readonly SimNode[]): Promise<void> {
    this.active = true;
    this.committedAtStart = this.oracle.changes;
    for (let a = 0; a < this.devices; a++)
      for (let b = 0; b < this.devices; b++)
        if (a !== b) this.wireAtStart.set(`${a}>${b}`, this.wireMs(a, b));
    for (const n of nodes) {
      const probe = n.replica?.probe;
      if (probe === undefined) continue;
      for (const key of this.oracle.streams.keys()) {
        const [origin, resource] = key.split("/") as [string, string];
        const held = new Map<string, bigint>();
        for (const e of await probe.entries({ origin, resource: Number(resource) }))
          held.set(e.id, e.seq);
        for (const [id, c] of this.oracle.expectedRows(key, this.oracle.head(key))) {
          if (held.get(id) !== c.seq) this.missing++;
        }
      }
    }
  }

  /** Sees every message sent (the network tap); counts changes moved after healing began. */
  observe(m: TapInfo): void {
    if (!this.active) return;
    if (m.rpc === "Backfill" && m.part === "page") {
      this.delivered += (m.message() as { changes: unknown[] }).changes.length;
    } else if (m.rpc === "PushChanges" && m.part === "req") {
      for (const b of (m.message() as { batches: { changes: unknown[] }[] }).batches)
        this.delivered += b.changes.length;
    }
  }

  /**
   * The longest a bandwidth limit kept one link's wire busy after healing
   * began (bytes that really went: an abandoned call's unsent bytes do
   * not count): time no engine can save on a lasting 2 B/ms path.
   * Re-sent changes are judged by no-needless-work, not here.
   */
  get slowestWireMs(): number {
    let most = 0;
    for (const [key, before] of this.wireAtStart) {
      const [a, b] = key.split(">").map(Number) as [number, number];
      most = Math.max(most, this.wireMs(a, b) - before);
    }
    return Math.ceil(most);
  }

  get counter(): WorkCounter {
    return {
      missing: this.missing,
      delivered: this.delivered,
      committed: this.oracle.changes - this.committedAtStart,
    };
  }

  /** needless-work: more moved than WORK_FACTOR x what had to move, plus slack. */
  check(): PropertyFailure | undefined {
    const c = this.counter;
    const due = c.missing + c.committed * Math.max(1, this.devices - 1);
    if (c.delivered <= WORK_FACTOR * due + WORK_SLACK) return undefined;
    return {
      property: "no-needless-work",
      detail: `${c.delivered} changes were sent after healing began, for ${c.missing} missing and ${c.committed} written since (bound ${WORK_FACTOR}x + ${WORK_SLACK})`,
    };
  }
}

/**
 * Hops between the two live members furthest apart (the topology's
 * diameter without the devices kept down). Relayed data moves one hop per
 * exchange (PROTOCOL §9: a notice is for one's own commits), so a ring or
 * a line takes that many periodic exchanges to carry a change across.
 */
export function topologyDiameter(s: Pick<Scenario, "topology" | "devices" | "keepDown">): number {
  const devices = s.devices ?? 2;
  const shape = { devices, ...(s.topology === undefined ? {} : { topology: s.topology }) };
  const down = new Set(s.keepDown ?? []);
  const live = Array.from({ length: devices }, (_, i) => i).filter((i) => !down.has(i));
  let diameter = 1;
  for (const from of live) {
    const dist = new Map([[from, 0]]);
    const queue = [from];
    for (let q = queue.shift(); q !== undefined; q = queue.shift()) {
      for (const next of live) {
        if (dist.has(next) || !linked(shape, q, next)) continue;
        dist.set(next, (dist.get(q) ?? 0) + 1);
        queue.push(next);
      }
    }
    for (const d of dist.values()) diameter = Math.max(diameter, d);
  }
  return diameter;
}

/**
 * The heal must converge within this many virtual ms after its own steps.
 * `wireMs`: how long a lasting slow link was busy carrying bytes after
 * healing began (WorkTracker.slowestWireMs): a path of 2 B/ms needs 50 s
 * for 100 KB whatever the engine does, so that time is not the engine's.
 */
export function convergeBoundMs(s: Scenario, changes: number, heldMs = 0, wireMs = 0): number {
  const periodic = Number(s.config?.periodicExchangeMs ?? 60_000);
  return (topologyDiameter(s) + 1) * periodic + 30_000 + Math.ceil(changes / 2) + heldMs + wireMs;
}

/**
 * Virtual ms at which the furthest-ahead HLC any device wrote becomes
 * acceptable everywhere (PROTOCOL §12: a change more than maxOffset ahead
 * is held until physical time reaches its ms - maxOffset).
 */
export function holdReleaseMs(oracle: Oracle, maxOffsetMs: number): number {
  let top = 0n;
  for (const changes of oracle.streams.values())
    for (const c of changes.values()) if (c.hlc !== undefined && c.hlc > top) top = c.hlc;
  return Number(top >> BigInt(HLC_COUNTER_BITS)) - SIM_EPOCH_MS - maxOffsetMs;
}

/** `heldMs`: how long after healing began a far-ahead change is held by rule. */
export function convergedInTime(
  s: Scenario,
  convergeMs: number,
  changes: number,
  heldMs = 0,
  wireMs = 0,
): PropertyFailure | undefined {
  const bound = convergeBoundMs(s, changes, heldMs, wireMs);
  if (convergeMs <= bound) return undefined;
  const held = heldMs > 0 ? ` + ${heldMs} ms a far-ahead change is held` : "";
  const wire = wireMs > 0 ? ` + ${wireMs} ms a lasting slow link was busy` : "";
  return {
    property: "converges-in-time",
    detail: `converged ${Math.round(convergeMs)} virtual ms after healing, past the bound of ${bound} ms ((topology diameter ${topologyDiameter(s)} + 1) x periodic exchange + 30 s + 0.5 ms per change${held}${wire})`,
  };
}
