// The stamp shapes a text line may start with, and how each is read into
// date and clock fields. Choosing which shape a file uses is line-time.ts's
// job; this module only knows the shapes.
import {
  isMonthLetter,
  MONTH_NAME_MAX,
  MONTH_WORD,
  monthAt,
  monthNumber,
  opensMonthOrWeekday,
} from "./month-name.js";

/**
 * What a stamp supplies (NaN: not in the stamp). One scratch object per
 * reader is filled per line: reading a stamp allocates nothing of its own.
 */
export interface Parts {
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

export function newParts(): Parts {
  return { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0, zone: 0, epochMs: 0 };
}

export interface Stamp {
  readonly name: string;
  readonly example: string;
  /** Sticky: matched at the column's start (after an optional "["). */
  readonly re: RegExp;
  /** Fills every field of `p` from the match. */
  readonly parts: (m: RegExpExecArray, p: Parts) => void;
  /** No date at all: a bare time of day must not follow a column with digits. */
  readonly undated?: boolean;
  /** A month and day but no year (syslog, glog): the reader supplies one. */
  readonly yearless?: boolean;
  /**
   * A hand-written reader of exactly what `re` matches (for the commonest
   * stamp: the regex's captures cost about as much as the rest of a line).
   */
  readonly scan?: ((line: string, at: number, p: Parts) => boolean) | undefined;
  /**
   * A cheap test of the first characters that every match passes: lines
   * that fail it skip the regex (the fallback stamps are tried on every
   * line the main stamp does not fit).
   */
  readonly quick?: ((line: string, at: number) => boolean) | undefined;
}

const MON = MONTH_WORD;
const WEEKDAY = "(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? )?";
// H:MM:SS, a fraction of 1–9 digits, then an optional 12-hour AM/PM marker.
const HMS = "(\\d{1,2}):(\\d{2}):(\\d{2})(?:[.,:](\\d{1,9}))?(?: ?([AaPp])\\.?[Mm]\\.?(?!\\w))?";
// An optional zone after the clock, glued or after one space ("+0000", "GMT+01:00", "UTC").
const ZONE = "(?: ?(Z|(?:GMT|UTC)?[+-]\\d{2}:?\\d{2}|GMT|UTC)(?![\\w:]))?";

// The value of a run of ASCII digits (the regexes only capture digits here).
function num(s: string | undefined): number {
  if (s === undefined) return 0;
  let v = 0;
  for (let i = 0; i < s.length; i++) v = v * 10 + s.charCodeAt(i) - 48;
  return v;
}
const month = (s: string | undefined): number => monthNumber(s ?? "");

// Milliseconds of a fraction's digits ("978" → 978, "25" → 250), to the millisecond.
function frac(s: string | undefined): number {
  if (s === undefined) return 0;
  let v = 0;
  for (let i = 0; i < 3; i++) v = v * 10 + (i < s.length ? s.charCodeAt(i) - 48 : 0);
  return v;
}

// A captured zone ("Z", "+01:00", "-0700", "GMT+0100", "UTC"), as scanZone reads one.
function zoneMinutes(z: string | undefined): number {
  if (z === undefined) return Number.NaN;
  const bare = z.startsWith("GMT") || z.startsWith("UTC") ? z.slice(3) : z;
  return bare.length === 0 ? 0 : scanZone(bare, 0);
}

// The 24-hour hour of a 12-hour clock ("a" or "p"). Hours 0 and 13–23 are
// already on a 24-hour clock: the word after them is part of the message.
function twelveHour(hour: number, marker: string | undefined): number {
  if (marker === undefined || hour === 0 || hour > 12) return hour;
  return (hour % 12) + (marker === "p" || marker === "P" ? 12 : 0);
}

// Sets the date fields (NaN where the stamp has none) and the clock from m[at..at+4].
function fill(p: Parts, y: number, mo: number, d: number, m: RegExpExecArray, at: number): void {
  p.year = y;
  p.month = mo;
  p.day = d;
  p.hour = twelveHour(num(m[at]), m[at + 4]);
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

// Digits of line[i..i+n) as a number, or -1 when one is not a digit (or
// past the end: charCodeAt gives NaN there, which no range test rejects).
function digits(line: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = line.charCodeAt(k) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
// A weekday or month word opens the stamp.
const opensWord = opensMonthOrWeekday;
// "6-Dec", "06 Dec" or a weekday: a day of 1–2 digits and a separator, or a letter.
function opensDayMonth(line: string, at: number): boolean {
  const c = line.charCodeAt(at);
  if (isLetter(c)) return opensMonthOrWeekday(line, at);
  if (!isDigit(c)) return false;
  const k = isDigit(line.charCodeAt(at + 1)) ? at + 2 : at + 1;
  const sep = line.charCodeAt(k);
  return (sep === 45 || sep === 32) && isMonthLetter(line.charCodeAt(k + 1));
}
// "10/Oct": two digits and a slash.
const opensClf = (line: string, at: number): boolean =>
  isDigit(line.charCodeAt(at)) && line.charCodeAt(at + 2) === 47;
const isDateSep = (c: number): boolean => c === 45 || c === 47 || c === 46; // - / .
const isWordChar = (c: number): boolean =>
  isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** `iso`'s regex by hand: YYYY-MM-DD[T ]H:MM:SS([.,:]f{1,9})?( ?AM|PM)?( ?zone)? */
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
  p.zone = scanSpacedZone(line, i);
  return true;
}

/** `syslog`'s regex by hand: month word +D{1,2} H{1,2}:MM:SS([.,:]f{1,9})?( ?AM|PM)? */
function scanSyslog(line: string, at: number, p: Parts): boolean {
  // Month words are 3–10 letters (MONTH_NAME_MAX is within that).
  let i = at;
  const stop = at + MONTH_NAME_MAX + 1;
  while (i < stop && isMonthLetter(line.charCodeAt(i))) i++;
  if (i - at < 3 || i - at > 10) return false;
  if (line.charCodeAt(i) === 46) i++;
  const mon = monthAt(line, at, i);
  if (mon === 0 || line.charCodeAt(i) !== 32) return false;
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

// H{1,2}:MM:SS([.,:]f{1,9})?( ?[AaPp]\.?[Mm]\.?)? at i into p's clock; the offset after it, or -1.
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
  const end = scanMarker(line, i);
  p.hour = end === i ? hour : twelveHour(hour, line[line.charCodeAt(i) === 32 ? i + 1 : i]);
  p.minute = minute;
  p.second = second;
  p.ms = ms;
  return end;
}

// The end of an AM/PM marker at `at` (" PM", "am", " p.m."), or `at` when
// there is none: HMS's ` ?[AaPp]\.?[Mm]\.?(?!\w)`, backtracking included.
function scanMarker(line: string, at: number): number {
  let i = line.charCodeAt(at) === 32 ? at + 1 : at;
  const c = line.charCodeAt(i) | 32;
  if (c !== 97 && c !== 112) return at; // a, p
  i++;
  if (line.charCodeAt(i) === 46) i++;
  if ((line.charCodeAt(i) | 32) !== 109) return at; // m
  i++;
  // "pm." ends after the dot, "pm.x" before it (the regex gives the dot back).
  if (line.charCodeAt(i) === 46) return isWordChar(line.charCodeAt(i + 1)) ? i : i + 1;
  return isWordChar(line.charCodeAt(i)) ? at : i;
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

// A zone glued to the clock (as scanZone), or after one space when it is a
// whole word ("… 02:14:03 +0000 GET"): a "-12 items" message is no zone.
function scanSpacedZone(line: string, i: number): number {
  if (line.charCodeAt(i) !== 32) return scanZone(line, i);
  const sign = line.charCodeAt(i + 1);
  if (sign !== 43 && sign !== 45 && sign !== 90) return Number.NaN;
  const z = scanZone(line, i + 1);
  if (Number.isNaN(z)) return z;
  const colon = line.charCodeAt(i + 4) === 58 ? 1 : 0;
  const end = line.charCodeAt(i + 1) === 90 ? i + 2 : i + 6 + colon;
  const after = line.charCodeAt(end);
  return isWordChar(after) || after === 58 ? Number.NaN : z;
}

/** Known stamps, most specific first: the first that fits as many lines wins. */
const SHAPES: readonly Stamp[] = [
  {
    name: "iso",
    example: "2015-10-18 18:01:47,978 / 2024-01-02T03:04:05.123+01:00",
    re: new RegExp(
      `(\\d{4})[-/.](\\d{2})[-/.](\\d{2})[T ]${HMS}(?:(Z|[+-]\\d{2}:?\\d{2})| (Z|[+-]\\d{2}:?\\d{2})(?![\\w:]))?`,
      "y",
    ),
    parts: (m, p) => {
      fill(p, num(m[1]), num(m[2]), num(m[3]), m, 4);
      p.zone = zoneMinutes(m[9] ?? m[10]);
    },
    scan: scanIso,
  },
  {
    name: "ctime",
    example: "Sun Dec 04 04:47:44 2005",
    re: new RegExp(`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]* ${MON} +(\\d{1,2}) ${HMS} (\\d{4})`, "y"),
    parts: (m, p) => fill(p, num(m[8]), month(m[1]), num(m[2]), m, 3),
    quick: opensWord,
  },
  {
    name: "d MMM yyyy",
    example: "06-Dec-2026 02:14:03.123 / Sun, 06 Dec 2026 02:14:03 +0000",
    re: new RegExp(`${WEEKDAY}(\\d{1,2})([- ])${MON}\\2(\\d{4})[ :]${HMS}${ZONE}`, "y"),
    parts: (m, p) => {
      fill(p, num(m[4]), month(m[3]), num(m[1]), m, 5);
      p.zone = zoneMinutes(m[10]);
    },
    quick: opensDayMonth,
  },
  {
    name: "MMM d yyyy",
    example: "Dec 6, 2026 2:14:03 PM / Sun Dec 06 2026 02:14:03 GMT+0000",
    re: new RegExp(`${WEEKDAY}${MON} +(\\d{1,2}),? (\\d{4}),? ${HMS}${ZONE}`, "y"),
    parts: (m, p) => {
      fill(p, num(m[3]), month(m[1]), num(m[2]), m, 4);
      p.zone = zoneMinutes(m[9]);
    },
    quick: opensWord,
  },
  {
    name: "apache-clf",
    example: "10/Oct/2000:13:55:36 -0700",
    re: new RegExp(`(\\d{2})/${MON}/(\\d{4}):${HMS}(?: ([+-]\\d{4}))?`, "y"),
    parts: (m, p) => {
      fill(p, num(m[3]), month(m[2]), num(m[1]), m, 4);
      p.zone = zoneMinutes(m[9]);
    },
    quick: opensClf,
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
    example: "12/24/2019 10:00:00 / 12/06/2026 02:14:03 PM",
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
    // Dots between date parts put the day first (German, Russian, Nordic use).
    name: "d.M.yyyy",
    example: "06.12.2026 02:14:03",
    re: new RegExp(`(\\d{1,2})\\.(\\d{1,2})\\.(\\d{4})[ ,T] ?${HMS}`, "y"),
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
    example: "Jun 14 15:16:01 / DEC 6 02:14:03 / Dez 6 02:14:03 (no year)",
    re: new RegExp(`${MON} +(\\d{1,2}) ${HMS}`, "y"),
    parts: (m, p) => fill(p, NONE, month(m[1]), num(m[2]), m, 3),
    scan: scanSyslog,
    yearless: true,
  },
  {
    // glog / klog: severity letter, MMdd, the clock (Kubernetes, Go services).
    name: "glog",
    example: "I1206 02:14:03.123456 (no year)",
    re: new RegExp(`[IWEFD](\\d{2})(\\d{2}) ${HMS}`, "y"),
    parts: (m, p) => fill(p, NONE, num(m[1]), num(m[2]), m, 3),
    yearless: true,
  },
  {
    name: "MM-dd",
    example: "03-17 16:13:38.811 (no year)",
    re: new RegExp(`(\\d{2})[-.](\\d{2}) ${HMS}`, "y"),
    parts: (m, p) => fill(p, NONE, num(m[1]), num(m[2]), m, 3),
    yearless: true,
  },
  {
    // Milliseconds, or micro- or nanoseconds cut to the millisecond.
    name: "epoch-ms",
    example: "1700000000123 / 1700000000123456",
    re: /(1\d{12})(?:\d{3}|\d{6})?(?=[\s\]|,;]|$)/y,
    parts: (m, p) => epoch(p, num(m[1])),
  },
  {
    name: "epoch",
    example: "1131566461 / 1131566461.123",
    re: /(1\d{9})(?:\.(\d{1,9}))?(?=[\s\]|,;]|$)/y,
    parts: (m, p) => epoch(p, num(m[1]) * 1000 + frac(m[2])),
  },
  {
    name: "time-of-day",
    example: "12:01:02.345 / 2:14:03 PM (no date)",
    re: new RegExp(`${HMS}(?=[\\s\\]|,;]|$)`, "y"),
    parts: (m, p) => fill(p, NONE, NONE, NONE, m, 1),
    undated: true,
  },
];

// Every stamp object with the same keys in the same order: the reader's
// property reads stay monomorphic when it tries several stamps on a line.
function uniform(s: Stamp): Stamp {
  return {
    name: s.name,
    example: s.example,
    re: new RegExp(s.re.source, s.re.flags),
    parts: s.parts,
    undated: s.undated === true,
    yearless: s.yearless === true,
    scan: s.scan,
    quick: s.quick,
  };
}

/** Known stamps, most specific first: the first that fits as many lines wins. */
export const STAMPS: readonly Stamp[] = SHAPES.map(uniform);

/** Stamps that carry a full date in a shape no message word has: tried on any line. */
export const SELF_EVIDENT = ["iso", "ctime", "d MMM yyyy", "MMM d yyyy", "apache-clf"] as const;

export function valid(p: Parts): boolean {
  if (!Number.isNaN(p.epochMs)) return true;
  if (p.hour > 23 || p.minute > 59 || p.second > 60) return false;
  // NaN (no month or day in the stamp) fails neither test.
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31) return false;
  return true;
}

// The offset where the stamp in column `lead` would start (see stampStart), or -1.
function columnStart(line: string, lead: number): number {
  let i = 0;
  for (let c = 0; c < lead; c++) {
    const sp = line.indexOf(" ", i);
    if (sp === -1) return -1;
    i = sp + 1;
    while (line.charCodeAt(i) === 32) i++;
  }
  return stampStart(line, i);
}

// Keys a logfmt line puts its stamp under, for a column opening with t, d, @ or a.
const T_KEYS = ["time=", "timestamp=", "ts=", "t="];
const D_KEYS = ["date=", "datetime="];
const AT_KEYS = ["@timestamp="];
const A_KEYS = ["asctime="];
function timeKeys(c: number): readonly string[] {
  return c === 116 ? T_KEYS : c === 100 ? D_KEYS : c === 64 ? AT_KEYS : A_KEYS;
}

/**
 * Where a stamp starts in a column that starts at `i`: after an opening
 * "[", a syslog priority ("<34>", RFC 3164), or a logfmt time key
 * (`time=`, `ts="…`).
 */
export function stampStart(line: string, i: number): number {
  const c = line.charCodeAt(i);
  if (c === 91) return i + 1;
  if (c === 60) {
    let k = i + 1;
    while (k < i + 4 && isDigit(line.charCodeAt(k))) k++;
    return k > i + 1 && line.charCodeAt(k) === 62 ? k + 1 : i;
  }
  if (c !== 116 && c !== 100 && c !== 64 && c !== 97) return i;
  for (const key of timeKeys(c)) {
    if (!line.startsWith(key, i)) continue;
    const j = i + key.length;
    return line.charCodeAt(j) === 34 ? j + 1 : j;
  }
  return i;
}

// The text of the column before offset `at` (which starts a column).
function previousColumn(line: string, at: number): string {
  let end = at;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 91)) end--;
  const start = line.lastIndexOf(" ", end - 1) + 1;
  return line.slice(start, end);
}

/** Fills `p` from the stamp at column `lead`; false when there is none. */
export function partsAt(s: Stamp, line: string, lead: number, p: Parts): boolean {
  const at = columnStart(line, lead);
  if (at === -1) return false;
  if (s.undated === true && lead > 0 && /\d/.test(previousColumn(line, at))) return false;
  if (s.scan !== undefined) return s.scan(line, at, p) && valid(p);
  if (s.quick !== undefined && !s.quick(line, at)) return false;
  s.re.lastIndex = at;
  const m = s.re.exec(line);
  if (m === null) return false;
  s.parts(m, p);
  return valid(p);
}

/** The stamp of this name with its own regex (lastIndex is per-reader state). */
export function ownStamp(name: string): Stamp | undefined {
  const s = SHAPES.find((x) => x.name === name);
  return s === undefined ? undefined : uniform(s);
}
