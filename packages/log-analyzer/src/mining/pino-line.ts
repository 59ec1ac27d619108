// pino JSON lines, understood field by field: `msg` is the text to mine, the
// other scalar fields are typed columns (device, peer, stream, level, time…).

/** A typed column value. */
export type FieldValue = string | number | boolean | null;

/** A structured line: the message to mine and the other fields. */
export interface StructuredLine {
  readonly msg: string;
  readonly fields: Record<string, FieldValue>;
}

const PINO_LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** Parses a pino-style JSON object line; null when the line is not one. */
export function parseStructuredLine(line: string): StructuredLine | null {
  let start = 0;
  while (start < line.length && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9))
    start++;
  if (line.charCodeAt(start) !== 123) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return null;
  const rec = obj as Record<string, unknown>;
  const msgRaw = rec.msg ?? rec.message;
  const msg = typeof msgRaw === "string" ? msgRaw : "";
  const fields: Record<string, FieldValue> = {};
  for (const k in rec) {
    if (k === "msg" || (k === "message" && rec.msg === undefined)) continue;
    const v = rec[k];
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      fields[k] = v;
    } else if (v !== undefined) {
      // Nested objects (err, req…) stay available as JSON text.
      fields[k] = JSON.stringify(v);
    }
  }
  return { msg, fields };
}

/** Where JSON loggers other than pino put the level and the time (zap, logrus, bunyan, ECS, slog…). */
const LEVEL_KEYS = ["level", "severity", "lvl", "loglevel", "log_level", "log.level"] as const;
/** Keys other than pino's `time`, whose numbers may be s, ms, µs or ns (zap's `ts` is seconds). */
const OTHER_TIME_KEYS = ["ts", "timestamp", "@timestamp", "t", "datetime"] as const;

function firstOf(
  fields: Record<string, FieldValue>,
  keys: readonly string[],
): FieldValue | undefined {
  for (const k of keys) if (fields[k] !== undefined) return fields[k];
  return undefined;
}

/** The line's level, from the first level field it has. */
export function recordLevel(fields: Record<string, FieldValue>): string | undefined {
  return levelName(firstOf(fields, LEVEL_KEYS));
}

/**
 * The line's time in ms: pino's `time` as it is (ms, any origin, or ISO);
 * else the first other time field, an ISO string or an epoch number in s,
 * ms, µs or ns told apart by magnitude (right for any date 1973–5138).
 */
export function recordTime(fields: Record<string, FieldValue>): number | undefined {
  if (fields.time !== undefined) return timeMs(fields.time);
  const v = firstOf(fields, OTHER_TIME_KEYS);
  if (typeof v !== "number" || !Number.isFinite(v)) return timeMs(v);
  const a = Math.abs(v);
  if (a < 1e11) return v * 1000;
  if (a < 1e14) return v;
  return a < 1e17 ? v / 1e3 : v / 1e6;
}

/** pino numeric or string level → lowercase name ("info", "error"…); undefined if absent. */
export function levelName(v: FieldValue | undefined): string | undefined {
  if (typeof v === "number") return PINO_LEVELS[v] ?? String(v);
  if (typeof v === "string") {
    const s = v.toLowerCase();
    if (s === "warning") return "warn";
    if (s === "err") return "error";
    if (s === "crit" || s === "critical") return "fatal";
    return s;
  }
  return undefined;
}

/** Epoch milliseconds from a pino `time` (number ms, or ISO string); undefined if absent/bad. */
export function timeMs(v: FieldValue | undefined): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** True for levels that count as errors in analyses. */
export function isErrorLevel(level: string | undefined): boolean {
  return level === "error" || level === "fatal";
}
