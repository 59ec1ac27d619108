// Collects the engines' structured logs as pino-style JSON lines (level
// numbers, virtual `time`, `device`) for --log and the log analyzer, and
// forwards state transitions to the trace for the space-time diagram.
import { type LogFields, type Logger, type LogLevel, streamKeyString } from "@tidemark/engine";
import type { PropertyFailure } from "./properties/property.js";
import type { Scheduler } from "./scheduler.js";
import { roundMs, type Trace, type TraceValue } from "./trace.js";
import { SIM_EPOCH_MS } from "./virtual-clock.js";

const PINO_LEVEL: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Engine log events that become trace records (state transitions, recovery, trouble). */
const TRACED =
  /state|recover|resync|reconcile|rewind|gap|horizon|corrupt|overflow|buffer-full|too-far/;

/** One structured engine log event, as the engine emitted it. */
export type LogEvent = {
  readonly level: LogLevel;
  readonly fields: LogFields;
  readonly msg: string;
};

/** Refusal records an operator acts on: each names the peer and the stream (refusals-name-source). */
const SOURCED = new Set(["forged-changes", "hlc-too-far-ahead"]);

/** One refusal record: device, event, and the peer and stream it names. */
export type SourcedRecord = {
  readonly device: number;
  readonly event: string;
  readonly peer: unknown;
  readonly stream: unknown;
};

/** One `peer-state` record: the level it was said at and its transition. */
export type PeerStateRecord = {
  readonly device: number;
  readonly level: LogLevel;
  readonly from: unknown;
  readonly to: unknown;
  readonly reason: unknown;
};

/** One warn- or error-level record, as routine-logs-quiet judges it. */
export type LoudRecord = {
  readonly device: number;
  readonly level: LogLevel;
  readonly event: unknown;
  readonly decision: unknown;
  readonly at: number;
};

export class LogSink {
  private readonly lines: string[] | undefined;
  /** Structured events, kept when asked (assertions in tests). */
  readonly events: LogEvent[] = [];
  counts = { debug: 0, info: 0, warn: 0, error: 0 };
  /**
   * Records logged at a level the Logger port does not have (a host's
   * logger, pino, has no method for it and throws): device, level, event.
   */
  readonly badLevels: string[] = [];
  /**
   * Records whose `event` is not a stable kebab-case name or whose `msg` is
   * empty (log-records-named): device, level, event, message.
   */
  readonly badRecords: string[] = [];
  /** `sync-decision` records seen, and those naming no kebab-case decision or reason (decisions-explained). */
  decisions = 0;
  readonly badDecisions: string[] = [];
  /** Every limit-reached record: device, limit, the peer it names, its other fields. */
  readonly limitEvents: LimitRecord[] = [];
  /** Every forged-changes and hlc-too-far-ahead record (refusals-name-source). */
  readonly sourcedEvents: SourcedRecord[] = [];
  /** Every peer-state transition record (peer-transitions-documented). */
  readonly peerStates: PeerStateRecord[] = [];
  /** Every error-level record: device, event, its time (error-logs-explained). */
  readonly errorEvents: { device: number; event: unknown; at: number }[] = [];
  /** Every warn- or error-level record: device, level, event, decision kind if any (routine-logs-quiet). */
  readonly loudEvents: LoudRecord[] = [];
  /** When each device first said a warn or error record naming a stream, by `${device}|${stream}` (dropped-acks-said). */
  readonly saidStreams = new Map<string, number>();

  constructor(
    private readonly sched: Scheduler,
    private readonly trace: Trace,
    keepLines: boolean,
    private readonly keepEvents = false,
  ) {
    this.lines = keepLines ? [] : undefined;
  }

  /** Kept events named `name` whose fields match `where`. */
  find(name: string, where: Readonly<Record<string, unknown>> = {}): LogEvent[] {
    return this.events.filter(
      (e) => e.fields.event === name && Object.entries(where).every(([k, v]) => e.fields[k] === v),
    );
  }

  private noteDecision(device: number, fields: Readonly<Record<string, unknown>>): void {
    this.decisions++;
    if (isKebabName(fields.decision) && isKebabName(fields.reason)) return;
    if (this.badDecisions.length < 8)
      this.badDecisions.push(
        `d${device} decided ${JSON.stringify(fields.decision)} for ${String(fields.stream)} with reason ${JSON.stringify(fields.reason)}`,
      );
  }

  /** A Logger port for one device; `enabled()` goes false when the device crashes. */
  loggerFor(device: number, enabled: () => boolean): Logger {
    return {
      log: (level: LogLevel, fields: LogFields, msg: string) => {
        // Strict as pino is (its adapter calls logger[level], which throws for
        // an unknown level); noted too, so log-levels-known names it even
        // when the engine swallows the throw.
        if (!Object.hasOwn(PINO_LEVEL, level)) {
          if (this.badLevels.length < 8)
            this.badLevels.push(`d${device} level "${level}" (${String(fields.event)})`);
          throw new Error(`unknown log level "${level}"`);
        }
        if (!enabled()) return;
        this.counts[level]++;
        if (!wellNamed(fields.event, msg) && this.badRecords.length < 8)
          this.badRecords.push(
            `d${device} ${level} event ${JSON.stringify(fields.event)} msg ${JSON.stringify(msg)}`,
          );
        if (fields.event === "limit-reached" && this.limitEvents.length < 10_000)
          this.limitEvents.push({ device, limit: fields.limit, peer: fields.peer, fields });
        if (SOURCED.has(String(fields.event)) && this.sourcedEvents.length < 10_000)
          this.sourcedEvents.push({
            device,
            event: String(fields.event),
            peer: fields.peer,
            stream: fields.stream,
          });
        if ((level === "warn" || level === "error") && typeof fields.stream === "string") {
          const key = `${device}|${fields.stream}`;
          if (!this.saidStreams.has(key)) this.saidStreams.set(key, this.sched.now);
        }
        if (level === "error" && this.errorEvents.length < 10_000)
          this.errorEvents.push({ device, event: fields.event, at: this.sched.now });
        if ((level === "warn" || level === "error") && this.loudEvents.length < 10_000)
          this.loudEvents.push({
            device,
            level,
            event: fields.event,
            decision: fields.decision,
            at: this.sched.now,
          });
        if (fields.event === "sync-decision") this.noteDecision(device, fields);
        if (fields.event === "peer-state" && this.peerStates.length < 10_000)
          this.peerStates.push({
            device,
            level,
            from: fields.from,
            to: fields.to,
            reason: fields.reason,
          });
        if (this.keepEvents) this.events.push({ level, fields, msg });
        const traced = level === "warn" || level === "error" || TRACED.test(fields.event);
        if (this.lines === undefined && !traced) return;
        const flat: Record<string, TraceValue> = {};
        for (const [k, v] of Object.entries(fields)) {
          if (v === undefined) continue;
          flat[k] = typeof v === "bigint" ? v.toString() : v;
        }
        if (traced) {
          this.trace.emit({
            ...flat,
            t: roundMs(this.sched.now),
            k: "log",
            dev: device,
            level,
            msg,
          });
        }
        if (this.lines !== undefined) {
          this.lines.push(
            JSON.stringify({
              level: PINO_LEVEL[level],
              time: SIM_EPOCH_MS + Math.floor(this.sched.now),
              device: `d${device}`,
              ...flat,
              msg,
            }),
          );
        }
      },
    };
  }

  text(): string {
    return this.lines === undefined ? "" : `${this.lines.join("\n")}\n`;
  }
}

/** A stable kebab-case event name (ports.ts LogFields) and a non-empty human sentence. */
const EVENT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** A stable kebab-case name, as log records' events and peer-state reasons are. */
export function isKebabName(v: unknown): boolean {
  return typeof v === "string" && EVENT_NAME.test(v);
}

function wellNamed(event: unknown, msg: unknown): boolean {
  return isKebabName(event) && typeof msg === "string" && msg.trim() !== "";
}

/**
 * decisions-explained: every `sync-decision` record (what a device chose
 * to do about one stream after an exchange, PROTOCOL §4) names the
 * decision and why, each a stable kebab-case name: the reason is what an
 * operator reads back to tell "nothing: in sync" from "nothing: the peer
 * is pulling", and what a log analyzer groups by.
 */
export function decisionsExplained(logs: LogSink): PropertyFailure | undefined {
  const first = logs.badDecisions[0];
  if (first === undefined) return undefined;
  return {
    property: "decisions-explained",
    detail: `a sync decision names no kebab-case decision or reason: ${first}`,
  };
}

/**
 * log-records-named: every engine log record names its event as the Logger
 * port says (`event`, a stable kebab-case name log analyzers group by) and
 * carries its human sentence (`msg`): a record with an empty name or text
 * is one an operator can neither filter for nor read.
 */
export function logRecordsNamed(logs: LogSink): PropertyFailure | undefined {
  if (logs.badRecords.length === 0) return undefined;
  return {
    property: "log-records-named",
    detail: `engine log records without a kebab-case event name or a message: ${logs.badRecords.join(", ")}`,
  };
}

/** log-levels-known: every engine log record used one of the Logger port's levels. */
export function logLevelsKnown(logs: LogSink): PropertyFailure | undefined {
  if (logs.badLevels.length === 0) return undefined;
  return {
    property: "log-levels-known",
    detail: `engine log records at levels the Logger port does not have (debug, info, warn, error; a host's pino logger throws on any other): ${logs.badLevels.join(", ")}`,
  };
}

/** One limit-reached record as logged. */
export type LimitRecord = {
  readonly device: number;
  readonly limit: unknown;
  readonly peer: unknown;
  readonly fields: Readonly<Record<string, unknown>>;
};

/** The realtime buffer's bounds (PROTOCOL §8 PC-2, §11) as a scenario sets them. */
export type RealtimeLimits = {
  readonly pendingBufferMax: number;
  readonly heldRealtimeBytesPerPeer: number;
  readonly heldRealtimeBytes: number;
};

/** For each realtime limit: what was held, and the bound, in one record's fields. */
const REALTIME_LIMITS: Readonly<
  Record<string, { held: string; batch: string; bound: keyof RealtimeLimits }>
> = {
  "pending-changes-per-stream": {
    held: "heldChanges",
    batch: "batchChanges",
    bound: "pendingBufferMax",
  },
  "held-realtime-bytes-per-peer": {
    held: "heldBytesFromPeer",
    batch: "batchBytes",
    bound: "heldRealtimeBytesPerPeer",
  },
  "held-realtime-bytes": { held: "heldBytes", batch: "batchBytes", bound: "heldRealtimeBytes" },
};

/**
 * realtime-limits-reached: a realtime batch refused for a bound of the
 * held-changes buffer would really have taken it past that bound: what
 * was held plus the batch exceeds it (a batch that only fills it is held).
 * A refusal one change or byte early drops a push the receiver must pull
 * instead, and converges: only the record's own figures show it.
 */
export function realtimeLimitsReached(
  logs: LogSink,
  bounds: RealtimeLimits,
): PropertyFailure | undefined {
  for (const e of logs.limitEvents) {
    const spec = REALTIME_LIMITS[String(e.limit)];
    if (spec === undefined) continue;
    const held = e.fields[spec.held];
    const batch = e.fields[spec.batch];
    const bound = bounds[spec.bound];
    const fits = typeof held === "number" && typeof batch === "number" && held + batch <= bound;
    if (!fits && typeof held === "number" && typeof batch === "number") continue;
    return {
      property: "realtime-limits-reached",
      detail: `d${e.device} refused a realtime batch for ${String(e.limit)} holding ${String(held)} with a batch of ${String(batch)}: ${fits ? `within the bound ${bound}` : `the record does not say both (${spec.held}, ${spec.batch})`}`,
    };
  }
  return undefined;
}

/**
 * limit-events-name-peer: every limit-reached record (a bound a peer's
 * request reached, SECURITY.md "Bounds") names the peer whose request it
 * was, by device id, so an operator can tell which device to look at. A
 * host may name none (null, "unknown") only for a caller it keeps no peer
 * for: `anonymousTo(device)` says which hosts have such callers.
 */
export function limitEventsNamePeer(
  logs: LogSink,
  devices: ReadonlySet<string>,
  anonymousTo: (device: number) => boolean,
): PropertyFailure | undefined {
  for (const e of logs.limitEvents) {
    if (namesPeer(e.peer, e.device, devices, anonymousTo)) continue;
    return {
      property: "limit-events-name-peer",
      detail: `d${e.device} logged limit-reached (${String(e.limit)}) naming peer ${JSON.stringify(e.peer) ?? "none"}, not the device whose request reached the bound`,
    };
  }
  return undefined;
}

/**
 * refusals-name-source: every record of a refusal an operator acts on — a
 * forged change (forged-changes) or a stream held for an HLC too far ahead
 * (hlc-too-far-ahead, PROTOCOL §12) — names the stream ("origin/resource")
 * and the peer the changes came from, by device id: which device lies, or
 * whose clock to fix. As limit-events-name-peer, a host may name none only
 * for a caller it keeps no peer for.
 */
export function refusalsNameSource(
  logs: LogSink,
  devices: ReadonlySet<string>,
  anonymousTo: (device: number) => boolean,
): PropertyFailure | undefined {
  for (const e of logs.sourcedEvents) {
    if (isStreamKey(e.stream) && namesPeer(e.peer, e.device, devices, anonymousTo)) continue;
    return {
      property: "refusals-name-source",
      detail: `d${e.device} logged ${e.event} naming stream ${JSON.stringify(e.stream) ?? "none"} and peer ${JSON.stringify(e.peer) ?? "none"}: not the stream and the device its changes came from`,
    };
  }
  return undefined;
}

/** A device of the library by id; none (null, "unknown") only on a host with anonymous callers. */
function namesPeer(
  peer: unknown,
  device: number,
  devices: ReadonlySet<string>,
  anonymousTo: (device: number) => boolean,
): boolean {
  if (typeof peer === "string" && devices.has(peer)) return true;
  return (peer === null || peer === "unknown") && anonymousTo(device);
}

/** A stream key as the engine spells it (`streamKeyString`), of some origin and resource. */
function isStreamKey(v: unknown): boolean {
  if (typeof v !== "string") return false;
  const [origin = "", resource = ""] = v.split("/");
  const r = Number(resource);
  return (
    origin !== "" && Number.isInteger(r) && r > 0 && streamKeyString({ origin, resource: r }) === v
  );
}
