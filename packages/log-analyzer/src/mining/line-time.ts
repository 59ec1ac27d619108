// Reads the timestamp at the head of a text line. The stamp's shape is
// chosen once per file from a sample (detectLineTime), never guessed per
// line, so a file's clock cannot flip between formats halfway through.
// Stamps without a year (syslog) or a date take an assumed year or day and
// roll forward when the clock would otherwise jump back (Dec → Jan).
import { parseStructuredLine } from "./pino-line.js";

/**
 * What a stamp supplies (NaN: not in the stamp). One scratch object per
 * reader is filled per line: reading a stamp allocates nothing of its own.
 */
interface Parts {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Offset east of UTC in minutes when the stamp states a zone. */
  zone: number;
  /** Already an instant (epoch stamps). */
  epochMs: number;
}

function newParts(): Parts {
  return { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0, zone: 0, epochMs: 0 };
}

interface Stamp {
  readonly name: string;
  readonly example: string;
  /** Sticky: matched at the column's start (after an optional "["). */
  readonly re: RegExp;
  /** Fills every field of `p` from the match. */
  readonly parts: (m: RegExpExecArray, p: Parts) => void;
  /** A bare time of day must not follow a column with digits (a date we cannot read). */
  readonly undated?: boolean;
  /**
   * A hand-written reader of exactly what `re` matches (for the commonest
   * stamp: the regex's captures cost about as much as the rest of a line).
   */
  readonly scan?: (line: string, at: number, p: Parts) => boolean;
}

const MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split(" ");
const MON = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*";
const HMS = "(\\d{1,2}):(\\d{2}):(\\d{2})(?:[.,:](\\d{1,9}))?";

const MONTH_NUMBER = new Map(MONTHS.map((m, i) => [m[0]?.toUpperCase() + m.slice(1), i + 1]));

// The value of a run of ASCII digits (the regexes only capture digits here).
function num(s: string | undefined): number {
  if (s === undefined) return 0;
  let v = 0;
  for (let i = 0; i < s.length; i++) v = v * 10 + s.charCodeAt(i) - 48;
  return v;
}
const month = (s: string | undefined): number => MONTH_NUMBER.get(s ?? "") ?? 0;

// Milliseconds of a fraction's digits ("978" → 978, "25" → 250), to the millisecond.
function frac(s: string | undefined): number {
  if (s === undefined) return 0;
  let v = 0;
  for (let i = 0; i < 3; i++) v = v * 10 + (i < s.length ? s.charCodeAt(i) - 48 : 0);
  return v;
}

// A captured zone ("Z", "+01:00", "-0700"), read as scanZone reads it in a line.
const zoneMinutes = (z: string | undefined): number =>
  z === undefined ? Number.NaN : scanZone(z, 0);

// Sets the date fields (NaN where the stamp has none) and the clock from m[at..at+3].
function fill(p: Parts, y: number, mo: number, d: number, m: RegExpExecArray, at: number): void {
  p.year = y;
  p.month = mo;
  p.day = d;
  p.hour = num(m[at]);
  p.minute = num(m[at + 1]);
  p.second = num(m[at + 2]);
  p.ms = frac(m[at + 3]);
  p.zone = Number.NaN;
  p.epochMs = Number.NaN;
}

function epoch(p: Parts, ms: number): void {
  p.year = p.month = p.day = p.zone = Number.NaN;
  p.hour = p.minute = p.second = p.ms = 0;
  p.epochMs = ms;
}

const NONE = Number.NaN;

// Digits of line[i..i+n) as a number, or -1 when one is not a digit.
function digits(line: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = line.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isDateSep = (c: number): boolean => c === 45 || c === 47 || c === 46; // - / .

/** `iso`'s regex by hand: YYYY-MM-DD[T ]H:MM:SS([.,:]f{1,9})?(Z|[+-]HH:?MM)? */
function scanIso(line: string, at: number, p: Parts): boolean {
  const year = digits(line, at, 4);
  if (year < 0 || !isDateSep(line.charCodeAt(at + 4))) return false;
  const mon = digits(line, at + 5, 2);
  if (mon < 0 || !isDateSep(line.charCodeAt(at + 7))) return false;
  const day = digits(line, at + 8, 2);
  const t = line.charCodeAt(at + 10);
  if (day < 0 || (t !== 84 && t !== 32)) return false;
  const i = scanClock(line, at + 11, p);
  if (i < 0) return false;
  p.year = year;
  p.month = mon;
  p.day = day;
  p.epochMs = Number.NaN;
  p.zone = scanZone(line, i);
  return true;
}

/** `syslog`'s regex by hand: Mon[a-z]* +D{1,2} H{1,2}:MM:SS([.,:]f{1,9})? */
function scanSyslog(line: string, at: number, p: Parts): boolean {
  const mon = MONTH_NUMBER.get(line.slice(at, at + 3)) ?? 0;
  if (mon === 0) return false;
  let i = at + 3;
  while (isLower(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 32) return false;
  while (line.charCodeAt(i) === 32) i++;
  const d1 = isDigit(line.charCodeAt(i + 1)) ? 2 : 1;
  const day = digits(line, i, d1);
  i += d1;
  if (day < 0 || line.charCodeAt(i) !== 32) return false;
  i = scanClock(line, i + 1, p);
  if (i < 0) return false;
  p.year = Number.NaN;
  p.month = mon;
  p.day = day;
  p.zone = Number.NaN;
  p.epochMs = Number.NaN;
  return true;
}

const isLower = (c: number): boolean => c >= 97 && c <= 122;

// H{1,2}:MM:SS([.,:]f{1,9})? at i into p's clock; the offset after it, or -1.
function scanClock(line: string, at: number, p: Parts): number {
  let i = at;
  const h1 = isDigit(line.charCodeAt(i + 1)) ? 2 : 1;
  const hour = digits(line, i, h1);
  i += h1;
  if (hour < 0 || line.charCodeAt(i) !== 58) return -1;
  const minute = digits(line, i + 1, 2);
  if (minute < 0 || line.charCodeAt(i + 3) !== 58) return -1;
  const second = digits(line, i + 4, 2);
  if (second < 0) return -1;
  i += 6;
  let ms = 0;
  const f = line.charCodeAt(i);
  if ((f === 46 || f === 44 || f === 58) && isDigit(line.charCodeAt(i + 1))) {
    let n = 0;
    for (i++; n < 9 && isDigit(line.charCodeAt(i)); i++, n++) {
      if (n < 3) ms = ms * 10 + line.charCodeAt(i) - 48;
    }
    for (let k = n; k < 3; k++) ms *= 10;
  }
  p.hour = hour;
  p.minute = minute;
  p.second = second;
  p.ms = ms;
  return i;
}

// Z, +HH:MM, +HHMM at i (the regex's optional zone), else NaN.
function scanZone(line: string, i: number): number {
  const c = line.charCodeAt(i);
  if (c === 90) return 0;
  if (c !== 43 && c !== 45) return Number.NaN;
  const hh = digits(line, i + 1, 2);
  if (hh < 0) return Number.NaN;
  const colon = line.charCodeAt(i + 3) === 58 ? 1 : 0;
  const mm = digits(line, i + 3 + colon, 2);
  if (mm < 0) return Number.NaN;
  return (c === 45 ? -1 : 1) * (hh * 60 + mm);
}

/** Known stamps, most specific first: the first that fits as many lines wins. */
const STAMPS: readonly Stamp[] = [
  {
    name: "iso",
    example: "2015-10-18 18:01:47,978 / 2024-01-02T03:04:05.123+01:00",
    re: new RegExp(`(\\d{4})[-/.](\\d{2})[-/.](\\d{2})[T ]${HMS}(Z|[+-]\\d{2}:?\\d{2})?`, "y"),
    parts: (m, p) => {
      fill(p, num(m[1]), num(m[2]), num(m[3]), m, 4);
      p.zone = zoneMinutes(m[8]);
    },
    scan: scanIso,
  },
  {
    name: "ctime",
    example: "Sun Dec 04 04:47:44 2005",
    re: new RegExp(`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]* ${MON} +(\\d{1,2}) ${HMS} (\\d{4})`, "y"),
    parts: (m, p) => fill(p, num(m[7]), month(m[1]), num(m[2]), m, 3),
  },
  {
    name: "apache-clf",
    example: "10/Oct/2000:13:55:36 -0700",
    re: new RegExp(`(\\d{2})/${MON}/(\\d{4}):${HMS}(?: ([+-]\\d{4}))?`, "y"),
    parts: (m, p) => {
      fill(p, num(m[3]), month(m[2]), num(m[1]), m, 4);
      p.zone = zoneMinutes(m[8]);
    },
  },
  {
    name: "compact",
    example: "20171223-22:15:29:606",
    re: new RegExp(`(\\d{4})(\\d{2})(\\d{2})[-T]${HMS}`, "y"),
    parts: (m, p) => fill(p, num(m[1]), num(m[2]), num(m[3]), m, 4),
  },
  {
    // Month first (US) wins a file where every day is 12 or less.
    name: "M/d/yyyy",
    example: "12/24/2019 10:00:00",
    re: new RegExp(`(\\d{1,2})/(\\d{1,2})/(\\d{4})[ :]${HMS}`, "y"),
    parts: (m, p) => fill(p, num(m[3]), num(m[1]), num(m[2]), m, 4),
  },
  {
    name: "d/M/yyyy",
    example: "29/07/2015 17:41:44",
    re: new RegExp(`(\\d{1,2})/(\\d{1,2})/(\\d{4})[ :]${HMS}`, "y"),
    parts: (m, p) => fill(p, num(m[3]), num(m[2]), num(m[1]), m, 4),
  },
  {
    name: "yy/MM/dd",
    example: "17/06/09 20:10:40",
    re: new RegExp(`(\\d{2})/(\\d{2})/(\\d{2}) ${HMS}`, "y"),
    parts: (m, p) => fill(p, 2000 + num(m[1]), num(m[2]), num(m[3]), m, 4),
  },
  {
    name: "yyMMdd HHmmss",
    example: "081109 203615",
    re: /(\d{2})(\d{2})(\d{2}) (\d{2})(\d{2})(\d{2})(?=\s|$)/y,
    parts: (m, p) => fill(p, 2000 + num(m[1]), num(m[2]), num(m[3]), m, 4),
  },
  {
    name: "syslog",
    example: "Jun 14 15:16:01 (no year)",
    re: new RegExp(`${MON} +(\\d{1,2}) ${HMS}`, "y"),
    parts: (m, p) => fill(p, NONE, month(m[1]), num(m[2]), m, 3),
    scan: scanSyslog,
  },
  {
    name: "MM-dd",
    example: "03-17 16:13:38.811 (no year)",
    re: new RegExp(`(\\d{2})[-.](\\d{2}) ${HMS}`, "y"),
    parts: (m, p) => fill(p, NONE, num(m[1]), num(m[2]), m, 3),
  },
  {
    name: "epoch-ms",
    example: "1700000000123",
    re: /(1\d{12})(?=[\s\]|,;]|$)/y,
    parts: (m, p) => epoch(p, num(m[1])),
  },
  {
    name: "epoch",
    example: "1131566461 / 1131566461.123",
    re: /(1\d{9})(?:\.(\d{1,6}))?(?=[\s\]|,;]|$)/y,
    parts: (m, p) => epoch(p, num(m[1]) * 1000 + frac(m[2])),
  },
  {
    name: "time-of-day",
    example: "12:01:02.345 (no date)",
    re: new RegExp(`${HMS}(?=[\\s\\]|,;]|$)`, "y"),
    parts: (m, p) => fill(p, NONE, NONE, NONE, m, 1),
    undated: true,
  },
];

function valid(p: Parts): boolean {
  if (!Number.isNaN(p.epochMs)) return true;
  if (p.hour > 23 || p.minute > 59 || p.second > 60) return false;
  // NaN (no month or day in the stamp) fails neither test.
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31) return false;
  return true;
}

/** Which stamp a file's lines carry, and after how many leading columns. */
export interface LineTimeSpec {
  /** A name from {@link LINE_TIME_FORMATS}. */
  readonly stamp: string;
  /** Whitespace-separated columns before the stamp (BGL's "- 1117838570 …": 1). */
  readonly lead: number;
}

/** Names and examples of the stamps {@link detectLineTime} knows. */
export const LINE_TIME_FORMATS: readonly { name: string; example: string }[] = STAMPS.map((s) => ({
  name: s.name,
  example: s.example,
}));

const MAX_LEAD = 4;
const MIN_LINES = 3;
/** Stamped lines must be at least this share of the sample (stack traces dilute it). */
const MIN_SHARE = 0.25;

// The offset where column `lead` starts, after an optional "[", or -1.
function columnStart(line: string, lead: number): number {
  let i = 0;
  for (let c = 0; c < lead; c++) {
    const sp = line.indexOf(" ", i);
    if (sp === -1) return -1;
    i = sp + 1;
    while (line.charCodeAt(i) === 32) i++;
  }
  return line.charCodeAt(i) === 91 ? i + 1 : i;
}

// The text of the column before offset `at` (which starts a column).
function previousColumn(line: string, at: number): string {
  let end = at;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 91)) end--;
  const start = line.lastIndexOf(" ", end - 1) + 1;
  return line.slice(start, end);
}

// Fills `p` from the stamp at column `lead`; false when there is none.
function partsAt(s: Stamp, line: string, lead: number, p: Parts): boolean {
  const at = columnStart(line, lead);
  if (at === -1) return false;
  if (s.undated === true && lead > 0 && /\d/.test(previousColumn(line, at))) return false;
  if (s.scan !== undefined) return s.scan(line, at, p) && valid(p);
  s.re.lastIndex = at;
  const m = s.re.exec(line);
  if (m === null) return false;
  s.parts(m, p);
  return valid(p);
}

/** Lines that continue a record (stack frames) say nothing about its stamp. */
export function sampleLines(sample: Iterable<string>, max: number): string[] {
  const out: string[] = [];
  for (const raw of sample) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0 || parseStructuredLine(line) !== null) continue;
    if (STACK_LINE.test(line)) continue;
    out.push(line.length > 512 ? line.slice(0, 512) : line);
    if (out.length >= max) break;
  }
  return out;
}

/** Java/Python stack-trace lines: frames, "Caused by:", "... N more", "Traceback". */
export const STACK_LINE =
  /^(?:\s+at\s|\s*\.\.\. \d+ (?:more|common frames omitted)|\s*Caused by: |\s*Suppressed: |Traceback \(most recent call last\):|\s+File ")/;

/**
 * The stamp (and its column) that the most sample lines start with, or null
 * when fewer than a quarter of the text lines (and fewer than 3) carry one.
 * Ties go to fewer leading columns, then to the more specific stamp.
 */
export function detectLineTime(sample: Iterable<string>): LineTimeSpec | null {
  const lines = sampleLines(sample, 400);
  if (lines.length < MIN_LINES) return null;
  let best: LineTimeSpec | null = null;
  let bestCount = 0;
  const p = newParts();
  for (let lead = 0; lead <= MAX_LEAD; lead++) {
    for (const s of STAMPS) {
      let n = 0;
      for (const l of lines) if (partsAt(s, l, lead, p)) n++;
      if (n > bestCount) {
        best = { stamp: s.name, lead };
        bestCount = n;
      }
    }
  }
  if (bestCount < MIN_LINES || bestCount < MIN_SHARE * lines.length) return null;
  return best;
}

const HALF_YEAR = 183 * 86_400_000;
const HALF_DAY = 43_200_000;

/** Reads one file's stamps in order, filling in a missing year or date. */
export class LineTimeReader {
  private readonly stamp: Stamp;
  private year: number;
  private dayOffset = 0;
  private last = Number.NaN;
  private readonly p = newParts();
  // The last date's midnight (Date.UTC once per day, not per line).
  private dayKey = Number.NaN;
  private dayMs = 0;
  /** The stamp supplies no year (the year is assumed, see `assumedYear`). */
  readonly missingYear: boolean;
  /** The stamp supplies no date (times of day from 1970-01-01). */
  readonly missingDate: boolean;

  /** `assumedYear` is used for stamps without one (syslog): default the current year. */
  constructor(
    readonly spec: LineTimeSpec,
    readonly assumedYear = new Date().getUTCFullYear(),
  ) {
    const s = STAMPS.find((x) => x.name === spec.stamp);
    if (s === undefined) throw new RangeError(`unknown time stamp "${spec.stamp}"`);
    // Each reader owns its regex: lastIndex is state.
    this.stamp = { ...s, re: new RegExp(s.re.source, s.re.flags) };
    this.year = assumedYear;
    this.missingDate = s.name === "time-of-day";
    this.missingYear = !this.missingDate && ["syslog", "MM-dd"].includes(s.name);
  }

  /** Starts a new file: the assumed year and day start over. */
  reset(): void {
    this.year = this.assumedYear;
    this.dayOffset = 0;
    this.last = Number.NaN;
  }

  /** Epoch ms of the line's stamp (UTC unless it states a zone), or undefined. */
  read(line: string): number | undefined {
    const p = this.p;
    if (!partsAt(this.stamp, line, this.spec.lead, p)) return undefined;
    if (!Number.isNaN(p.epochMs)) return p.epochMs;
    let t = this.instant(p);
    // A clock that jumps back by half a year (or day) has rolled over.
    if (this.missingYear && t < this.last - HALF_YEAR) {
      this.year++;
      t = this.instant(p);
    } else if (this.missingDate && t < this.last - HALF_DAY) {
      this.dayOffset++;
      t = this.instant(p);
    }
    this.last = t;
    return t;
  }

  private instant(p: Parts): number {
    const year = Number.isNaN(p.year) ? (this.missingDate ? 1970 : this.year) : p.year;
    const mon = Number.isNaN(p.month) ? 1 : p.month;
    const day = (Number.isNaN(p.day) ? 1 : p.day) + (this.missingDate ? this.dayOffset : 0);
    const key = (year * 13 + mon) * 400 + day;
    if (key !== this.dayKey) {
      this.dayKey = key;
      this.dayMs = Date.UTC(year, mon - 1, day);
    }
    const utc = this.dayMs + ((p.hour * 60 + p.minute) * 60 + p.second) * 1000 + p.ms;
    return Number.isNaN(p.zone) ? utc : utc - p.zone * 60_000;
  }

  /** One line for reports: which clock the times are on. */
  describe(): string {
    const s = this.stamp;
    const zone = "UTC unless the stamp states a zone";
    if (this.missingYear)
      return `line stamps "${s.name}" (${zone}; no year in the stamp: ${this.assumedYear} assumed)`;
    if (this.missingDate)
      return `line stamps "${s.name}" (no date in the stamp: day 1 is 1970-01-01)`;
    return `line stamps "${s.name}"${this.spec.lead > 0 ? ` after ${this.spec.lead} column(s)` : ""} (${zone})`;
  }
}
