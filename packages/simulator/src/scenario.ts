// A scenario is plain data: devices, timed steps (workload and faults),
// chaos and heal durations. Named scenarios build one; fast-check generates
// them; `--spec` replays one from JSON. Same scenario + seed + code = same run.
import type { SyncConfig } from "@tidemark/engine";
import type { DependencyBounds, RealtimeBounds } from "./properties/property.js";

export type WeatherName = "calm" | "jittery" | "lossy" | "stormy";

/** Which device pairs have a link at all (heal keeps it: absent links stay absent). */
export type Topology = "full" | "ring" | "line" | "star";

/**
 * How a lying peer answers Backfill (a byzantine test hook). The first four
 * are lies an honest replica must withstand; the others forge another
 * origin's rows, which only signatures (DESIGN §8, PROTOCOL.md §16) stop:
 * `alter-rows` changes bodies, `strip-signatures` drops them,
 * `re-sign` signs with the relay's own key (and carries that key).
 * `cut-backfills` is no lie but a flaky path (a proxy resetting long
 * responses): every Backfill fails after its first pages, honest as they are.
 * `cut-reconciles` is another: every second Reconcile call it is asked fails
 * unanswered, so a reconcile of more than one call is cut part-way.
 */
export type Lie =
  | "duplicate-pages"
  | "reorder-pages"
  | "drop-pages"
  | "over-claim"
  | "cut-backfills"
  | "cut-reconciles"
  | "alter-rows"
  | "strip-signatures"
  | "re-sign"
  // Its Hello answers name it past the protocol's bound (a malformed answer, not a refusal).
  | "bad-hello"
  // Its ExchangeWatermarks answers list a stream twice (a malformed answer,
  // another implementation's bug): each is refused and counted.
  | "bad-exchange"
  // It answers Hello and exchanges but refuses every Backfill (NOT_PAIRED:
  // pairing half-done on its side): callers repeat a refused pull no
  // sooner than ER-3's floor (refused-not-repeated-early).
  | "refuse-backfill"
  // Its Reconcile round answers break §7's rules (needed ids never listed,
  // coded symbols out of sequence or in place of symbols): each is refused.
  | "bad-reconcile"
  // Its range-round answers are each valid but never settle anything
  // (faults/bad-reconcile.ts endlessReconcile): the initiator's round bound ends each attempt.
  | "endless-reconcile"
  // Its answers to fetches by id (Reconcile want_ids) carry no rows: a
  // puller's awaited parents (RF-5) never come from it while it lies.
  | "withhold-parents";

/**
 * What a forging paired device pushes to another (PROTOCOL.md §15-16):
 * rows of a third origin's stream, rows of the receiver's own stream, a
 * signed tombstone of a row another origin owns, a row without a signature.
 * Every one must be refused. (A row of its own altered after signing is
 * stored by design when pushed directly, PROTOCOL.md SG-8; altered relays
 * are the liar's "alter-rows".)
 */
export type Forgery =
  | "other-origin"
  | "receivers-stream"
  | "forged-tombstone"
  | "unsigned"
  // Named scenarios only: the forger's own stream, a pair of changes closing a cycle through a held row.
  | "cyclic-held"
  // Named scenarios only, each on the forger's own stream: a device row under an id not its own
  // (a device the receiver holds no row of), a tag with a zero HLC, a new entry under another
  // origin's directory (a hard reference across origins, §3.3), a new directory that is its own
  // parent, a location root moved under its own child directory (parent links that loop, RF-3).
  | "foreign-device-row"
  | "zero-hlc"
  | "cross-origin-parent"
  | "self-parent"
  | "root-under-child";

export type Step =
  // workloads
  | {
      readonly at: number;
      readonly do: "index";
      readonly dev: number;
      readonly entries: number;
      readonly batch?: number;
      /** A chain of this many nested directories first (deep trees); default: a bushy tree of depth <= 12. */
      readonly depth?: number;
      /**
       * When the scan ends the host announces it (NotifyDataAvailable to
       * every peer), as node-peer's indexer does after a scan.
       */
      readonly announce?: boolean;
    }
  | {
      readonly at: number;
      readonly do: "move";
      readonly dev: number;
      readonly count: number;
      /** Move the deepest subtrees under other deep directories (costly closure updates). */
      readonly targeted?: boolean;
      /** Put a location's top directory into a new top directory (a parentless row gets a parent). */
      readonly wrap?: boolean;
    }
  | { readonly at: number; readonly do: "delete"; readonly dev: number; readonly count: number }
  // Commits naming a parent the device does not hold (workloads/stale-parent.ts): each refused.
  | {
      readonly at: number;
      readonly do: "stale-parent";
      readonly dev: number;
      readonly count: number;
    }
  // Commits of rows the device does not own (workloads/foreign-writes.ts): each refused.
  | {
      readonly at: number;
      readonly do: "foreign-writes";
      readonly dev: number;
      readonly count: number;
    }
  | { readonly at: number; readonly do: "tags"; readonly dev: number; readonly count: number }
  | {
      readonly at: number;
      readonly do: "collections";
      readonly dev: number;
      readonly count: number;
    }
  // A late joiner starts; a device that left with `keep` is paired again, with what it holds.
  | { readonly at: number; readonly do: "join"; readonly dev: number }
  | {
      readonly at: number;
      readonly do: "leave";
      readonly dev: number;
      /**
       * Unpaired, not wiped: it runs alone, its writes stay local, and the
       * others prune without waiting for it, until a `join` pairs it again.
       */
      readonly keep?: boolean;
    }
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
  | {
      /** One link's own behaviour, a -> b (and b -> a unless oneWay). */
      readonly at: number;
      readonly do: "link";
      readonly a: number;
      readonly b: number;
      readonly oneWay?: boolean;
      readonly latencyMs?: number;
      readonly loss?: number;
      readonly bytesPerMs?: number;
      /** A property of the path, not a fault: healing keeps it (loss excepted). */
      readonly persist?: boolean;
    }
  | {
      /**
       * Realtime pushes a -> b that carry only parent rows (volumes,
       * locations) arrive `delayMs` late until healed, so the entries that
       * reference a new location are applied first and wait for it in b's
       * dependency buffer, their stream's cursor past them (bug 10's shape:
       * a relay then serves pages while it holds changes).
       */
      readonly at: number;
      readonly do: "late-parents";
      readonly a: number;
      readonly b: number;
      readonly delayMs: number;
    }
  | { readonly at: number; readonly do: "crash"; readonly dev: number }
  | { readonly at: number; readonly do: "restart"; readonly dev: number }
  | { readonly at: number; readonly do: "backup"; readonly dev: number }
  | {
      readonly at: number;
      readonly do: "restore";
      readonly dev: number;
      /** Which backup, counted from the oldest (wraps); default the oldest. */
      readonly which?: number;
      /** Local edits committed right after the restart, before any exchange. */
      readonly thenWrite?: number;
    }
  | {
      readonly at: number;
      readonly do: "clock";
      readonly dev: number;
      readonly skewMs?: number;
      readonly drift?: number;
      readonly jumpMs?: number;
      readonly epochZero?: boolean;
      /** The wall clock stops (reads the same instant until healed). */
      readonly frozen?: boolean;
      /** A broken clock (stuck RTC, a day behind): healing does not fix it. */
      readonly persist?: boolean;
    }
  | { readonly at: number; readonly do: "liar"; readonly dev: number; readonly lie: Lie }
  | {
      readonly at: number;
      readonly do: "forge";
      /** The forging device (paired with the target). */
      readonly dev: number;
      readonly target: number;
      readonly forgery: Forgery;
    }
  // state corruption (test-only faults on one replica's durable state)
  | {
      readonly at: number;
      readonly do: "lose-rows";
      readonly dev: number;
      readonly count: number;
      /** Rows of the device's own stream (a damaged origin), not other origins'. */
      readonly own?: boolean;
    }
  | {
      readonly at: number;
      readonly do: "stale-rows";
      readonly dev: number;
      readonly count: number;
    };

export type StepKind = Step["do"];

/** Steps that may also run during the heal phase (faults that end by themselves, and work). */
export const HEAL_STEPS: ReadonlySet<StepKind> = new Set([
  "index",
  "move",
  "delete",
  "tags",
  "collections",
  "crash",
  "restart",
  "backup",
  "restore",
]);

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
  /**
   * Steps at `at` <= chaosMs run during chaos; later ones (HEAL_STEPS only)
   * run during the heal phase, which then converges after the last of them.
   */
  readonly steps: readonly Step[];
  /** Devices left down through the heal phase (e.g. an origin that stays offline). */
  readonly keepDown?: readonly number[];
  /** Which pairs are linked at all (default: every pair). */
  readonly topology?: Topology;
  /**
   * Virtual CPU ms a device spends per row its storage writes (its probe's
   * workDone units; closure rows included), so a costly commit or apply
   * keeps it busy and can make a peer time out (0: free). 0.002 is about
   * SQLite on a laptop: a move at depth 2,000 rewriting 2M closure rows ~ 4 s.
   */
  readonly cpuMsPerRow?: number;
  /** The host's deadline for calls the engine makes without one (default 10 s). */
  readonly callTimeoutMs?: number;
  /**
   * Engine configuration: SyncConfig, and the dependency buffer's other
   * bounds and the realtime buffer's byte bounds (ReplicaBounds' names: the
   * reference adapter passes them on).
   */
  readonly config?: Partial<SyncConfig> &
    Partial<DependencyBounds> &
    Partial<Omit<RealtimeBounds, "pushers">>;
  /**
   * Inbound-only pairings `[client, host]`: the client pairs with the host
   * (pulls from it, pushes to it), the host keeps no peer for it — as a
   * host serving cleartext loopback on purpose, which believes a caller's
   * claimed id (CallerIdentity "claimed"; every device of such a scenario
   * runs so). The host gets the client's changes by its pushes, or from
   * other devices.
   */
  readonly inboundOnly?: readonly (readonly [client: number, host: number])[];
  /**
   * Devices that speak only revision 1.1 (faults/range-only.ts): they
   * announce no coded symbols, so every reconcile with them runs range rounds.
   */
  readonly rangeOnly?: readonly number[];
  /**
   * Devices that require a Hello and end each caller's session
   * `sessionMs` after it (faults/hello-required.ts): any other call then
   * gets UNKNOWN_PEER, and the caller must say Hello again (ER-5).
   */
  readonly helloRequired?: { readonly devices: readonly number[]; readonly sessionMs: number };
  /**
   * Devices whose host hears of a peer's (re)connect late (3 s, its dialer
   * waiting out a backoff of its own), so a returning peer's Hello reaches
   * the engine first (network/connectivity.ts).
   */
  readonly slowHosts?: readonly number[];
  /**
   * Devices built with the smallest range-round limits the reference allows
   * (a 4 KiB frame, B + 3 = 11 ranges; PROTOCOL.md §7.5 "Peers MAY use
   * other values"), as initiator and as responder: their rounds queue
   * ranges and their answers end in tails (adapters/reconcile-limits.ts).
   */
  readonly smallLimits?: readonly number[];
  /** A known-bad variant every device runs (see the adapter's `variants`). */
  readonly variant?: string;
  /**
   * Devices of a second library, paired with every device they are linked to
   * as if a user had paired them by mistake (the handshake refuses the pair,
   * PROTOCOL §15 AU-7). They are not members of the library under test: the
   * properties judge them only by libraries-apart. Give them no steps.
   */
  readonly foreign?: readonly number[];
};

/** Devices that join late (not started at time 0); a join after a `keep` leave pairs it again. */
export function lateJoiners(s: Scenario): Set<number> {
  const out = new Set<number>();
  const kept = new Set<number>();
  for (const st of [...s.steps].sort((x, y) => x.at - y.at)) {
    if (st.do === "leave" && st.keep === true && !out.has(st.dev)) kept.add(st.dev);
    if (st.do === "join" && !kept.has(st.dev)) out.add(st.dev);
  }
  return out;
}

/** True when devices a and b have a link in the scenario's topology. */
export function linked(s: Pick<Scenario, "topology" | "devices">, a: number, b: number): boolean {
  if (a === b) return false;
  switch (s.topology ?? "full") {
    case "full":
      return true;
    case "star":
      return a === 0 || b === 0;
    case "line":
      return Math.abs(a - b) === 1;
    case "ring":
      return Math.abs(a - b) === 1 || Math.abs(a - b) === s.devices - 1;
  }
}

/** True when `client` pairs with `host` inbound-only (the host keeps no peer for it). */
export function inboundOnly(
  s: Pick<Scenario, "inboundOnly">,
  client: number,
  host: number,
): boolean {
  return s.inboundOnly?.some(([c, h]) => c === client && h === host) === true;
}

/**
 * Device indexes wrap around the device count (so a generated or shrunk
 * step always lands on a device); self-links, non-integer devices, times
 * outside chaos + heal, and heal-phase steps of a kind that may not run
 * while healing are dropped.
 */
export function normalizeScenario(s: Scenario): Scenario {
  const ok = (d: number) => Number.isInteger(d) && d >= 0;
  const wrap = (d: number) => d % s.devices;
  const steps: Step[] = [];
  for (const st of s.steps) {
    if ("dev" in st && !ok(st.dev)) continue;
    if ("target" in st && !ok(st.target)) continue;
    if ("a" in st && (!ok(st.a) || !ok(st.b) || wrap(st.a) === wrap(st.b))) continue;
    if (st.at > s.chaosMs && !HEAL_STEPS.has(st.do)) continue;
    if (st.at < 0 || st.at >= s.chaosMs + s.healMs) continue;
    // A leaver could cut a ring, a line or a star in two for good.
    if (st.do === "leave" && (s.topology ?? "full") !== "full") continue;
    if ("target" in st) steps.push({ ...st, dev: wrap(st.dev), target: wrap(st.target) });
    else if ("dev" in st) steps.push({ ...st, dev: wrap(st.dev) });
    else if ("a" in st) steps.push({ ...st, a: wrap(st.a), b: wrap(st.b) });
    else steps.push(st);
  }
  const devices = (ds: readonly number[] | undefined) =>
    ds === undefined ? undefined : [...new Set(ds.filter(ok).map(wrap))];
  const rangeOnly = devices(s.rangeOnly);
  const smallLimits = devices(s.smallLimits);
  const slowHosts = devices(s.slowHosts);
  const helloRequired =
    s.helloRequired === undefined
      ? undefined
      : { ...s.helloRequired, devices: devices(s.helloRequired.devices) ?? [] };
  return {
    ...s,
    steps: steps.sort((x, y) => x.at - y.at),
    ...(rangeOnly === undefined ? {} : { rangeOnly }),
    ...(smallLimits === undefined ? {} : { smallLimits }),
    ...(slowHosts === undefined ? {} : { slowHosts }),
    ...(helloRequired === undefined ? {} : { helloRequired }),
  };
}
