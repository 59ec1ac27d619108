// Reads the timestamp at the head of a text line. A file's main stamp (shape
// and column) is the one most of a sample of its lines carry (detectLineTime),
// never guessed line by line, so a message that quotes another date cannot
// flip the clock. A line the main stamp does not fit is tried, in order, with
// the other stamps the sample showed and then with the full-date stamps whose
// shape no message word has (SELF_EVIDENT, at the line's start only): a file
// with a banner, or two loggers writing to it, keeps the times of both.
// Stamps without a year (syslog) take the year of the last full date, or an
// assumed one; stamps without a date start on 1970-01-01; both roll forward
// when the clock would otherwise jump back (Dec → Jan, 23:59 → 00:00).
import {
  newParts,
  ownStamp,
  type Parts,
  partsAt,
  SELF_EVIDENT,
  STAMPS,
  type Stamp,
  stampStart,
} from "./line-stamps.js";
import { isMonthLetter, opensMonthOrWeekday } from "./month-name.js";
import { parseStructuredLine } from "./pino-line.js";

/** A stamp shape and the column it starts at. */
export interface StampAt {
  /** A name from {@link LINE_TIME_FORMATS}. */
  readonly stamp: string;
  /** Whitespace-separated columns before the stamp (BGL's "- 1117838570 …": 1). */
  readonly lead: number;
}

/** Which stamp a file's lines carry, and after how many leading columns. */
export interface LineTimeSpec extends StampAt {
  /**
   * Other stamps some sample lines carry, most lines first: tried on a line
   * the main one does not fit (before the self-evident ones).
   */
  readonly others?: readonly StampAt[];
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
/** A second stamp must fit this many sample lines the main one does not. */
const MIN_OTHER = 2;
const MAX_OTHERS = 3;

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

/** A (stamp, column) and the sample lines it fits. */
interface Candidate {
  readonly at: StampAt;
  readonly fit: readonly boolean[];
  readonly n: number;
  readonly undated: boolean;
}

/** Which sample lines each (stamp, column) fits; only those that fit some. */
function fitsByCandidate(lines: readonly string[]): Candidate[] {
  const out: Candidate[] = [];
  const p = newParts();
  for (let lead = 0; lead <= MAX_LEAD; lead++) {
    for (const s of STAMPS) {
      const fit = lines.map((l) => partsAt(s, l, lead, p));
      const n = fit.filter(Boolean).length;
      if (n > 0) out.push({ at: { stamp: s.name, lead }, fit, n, undated: s.undated === true });
    }
  }
  return out;
}

// A second logger writes its stamp where the main one is, or at the line's
// start; a bare time of day (1970 clock) or a column deep in a message
// (an id that looks like epoch seconds) would put events at wrong times.
const mayBeOther = (c: Candidate, main: Candidate): boolean =>
  !c.undated && (c.at.lead === 0 || c.at.lead === main.at.lead);

// Greedily, the candidates that fit the most lines no earlier pick fits.
function pickOthers(cands: readonly Candidate[], main: Candidate): StampAt[] {
  const covered = [...main.fit];
  const others: StampAt[] = [];
  while (others.length < MAX_OTHERS) {
    let pick: { c: Candidate; gain: number } | null = null;
    for (const c of cands) {
      if (!mayBeOther(c, main)) continue;
      let gain = 0;
      for (let k = 0; k < covered.length; k++) if (c.fit[k] === true && !covered[k]) gain++;
      if (gain >= MIN_OTHER && (pick === null || gain > pick.gain)) pick = { c, gain };
    }
    if (pick === null) break;
    others.push(pick.c.at);
    pick.c.fit.forEach((f, k) => {
      if (f) covered[k] = true;
    });
  }
  return others;
}

/**
 * The stamp (and its column) that the most sample lines start with, or null
 * when fewer than a quarter of the text lines (and fewer than 3) carry one.
 * Ties go to fewer leading columns, then to the more specific stamp. Dated
 * stamps at the line's start or the main stamp's column that fit at least
 * 2 lines the chosen one does not become `others`, picked greedily.
 */
export function detectLineTime(sample: Iterable<string>): LineTimeSpec | null {
  const lines = sampleLines(sample, 400);
  if (lines.length < MIN_LINES) return null;
  const cands = fitsByCandidate(lines);
  let best = cands[0];
  for (const c of cands) if (best === undefined || c.n > best.n) best = c;
  if (best === undefined || best.n < MIN_LINES || best.n < MIN_SHARE * lines.length) return null;
  const others = best.undated ? [] : pickOthers(cands, best);
  return others.length === 0 ? best.at : { ...best.at, others };
}

const HALF_YEAR = 183 * 86_400_000;
const HALF_DAY = 43_200_000;

// What a line's start (after "[", "<34>" or "time=") can open: no stamp (a stack
// frame "\tat …", a "----" rule), any stamp (a digit, or a month or weekday
// word), or only a stamp that opens with another word (glog's "I1206").
const OPENS_NONE = 0;
const OPENS_ANY = 1;
const OPENS_WORD = 2;
function opensStamp(line: string): number {
  const at = stampStart(line, 0);
  const c = line.charCodeAt(at);
  if (c >= 48 && c <= 57) return OPENS_ANY;
  if (!isMonthLetter(c)) return OPENS_NONE;
  return opensMonthOrWeekday(line, at) ? OPENS_ANY : OPENS_WORD;
}

/** A stamp with its own regex, at its column. */
interface ReadStamp {
  readonly stamp: Stamp;
  readonly lead: number;
  /** A self-evident fallback: opens with a digit or a month or weekday word. */
  readonly evident: boolean;
}

function readStamp(at: StampAt, evident = false): ReadStamp {
  const stamp = ownStamp(at.stamp);
  if (stamp === undefined) throw new RangeError(`unknown time stamp "${at.stamp}"`);
  return { stamp, lead: at.lead, evident };
}

// The stamps tried after the main one: the sample's others, then the
// self-evident ones at the line's start (each once). None after a bare time
// of day: its clock starts on 1970-01-01, and a dated line would jump decades.
function fallbacks(spec: LineTimeSpec, main: Stamp): ReadStamp[] {
  if (main.undated === true) return [];
  const seen = [spec, ...(spec.others ?? [])];
  const evident = SELF_EVIDENT.map((stamp) => ({ stamp, lead: 0 })).filter(
    (e) => !seen.some((x) => x.stamp === e.stamp && x.lead === e.lead),
  );
  return [
    ...(spec.others ?? []).map((o) => readStamp(o)),
    ...evident.map((e) => readStamp(e, true)),
  ];
}

/** Reads one file's stamps in order, filling in a missing year or date. */
export class LineTimeReader {
  private readonly main: ReadStamp;
  private readonly rest: readonly ReadStamp[];
  private year: number;
  private dayOffset = 0;
  private last = Number.NaN;
  // The last bare time of day (day rollover is judged on those alone).
  private lastUndated = Number.NaN;
  private readonly p = newParts();
  // The last date's midnight (Date.UTC once per day, not per line).
  private dayKey = Number.NaN;
  private dayMs = 0;
  /** The stamp supplies no year (the year is assumed, see `assumedYear`). */
  readonly missingYear: boolean;
  /** The stamp supplies no date (times of day from 1970-01-01). */
  readonly missingDate: boolean;

  /**
   * `assumedYear` is used for stamps without one (syslog) until a line with
   * a full date gives the year: default the current year.
   */
  constructor(
    readonly spec: LineTimeSpec,
    readonly assumedYear = new Date().getUTCFullYear(),
  ) {
    this.main = readStamp(spec);
    this.rest = fallbacks(spec, this.main.stamp);
    this.year = assumedYear;
    this.missingDate = this.main.stamp.undated === true;
    this.missingYear = this.main.stamp.yearless === true;
  }

  /** Starts a new file: the assumed year and day start over. */
  reset(): void {
    this.year = this.assumedYear;
    this.dayOffset = 0;
    this.last = Number.NaN;
    this.lastUndated = Number.NaN;
  }

  /** Epoch ms of the line's stamp (UTC unless it states a zone), or undefined. */
  read(line: string): number | undefined {
    const p = this.p;
    const main = this.main;
    if (partsAt(main.stamp, line, main.lead, p)) return this.timeOf(main.stamp, p);
    return this.rest.length === 0 ? undefined : this.readOther(line, p);
  }

  // The first fallback stamp that fits a line the main one does not (kept
  // out of read() so the common path stays small enough to inline).
  private readOther(line: string, p: Parts): number | undefined {
    const opens = opensStamp(line);
    for (const r of this.rest) {
      const tries = r.lead > 0 || opens === OPENS_ANY || (opens === OPENS_WORD && !r.evident);
      if (tries && partsAt(r.stamp, line, r.lead, p)) return this.timeOf(r.stamp, p);
    }
    return undefined;
  }

  private timeOf(stamp: Stamp, p: Parts): number {
    if (!Number.isNaN(p.epochMs)) {
      this.last = p.epochMs;
      return p.epochMs;
    }
    // A full date tells the year that stamps without one are in.
    if (!Number.isNaN(p.year)) this.year = p.year;
    let t = this.instant(stamp, p);
    // A clock that jumps back by half a year (or day) has rolled over.
    if (stamp.yearless === true && t < this.last - HALF_YEAR) {
      this.year++;
      t = this.instant(stamp, p);
    } else if (stamp.undated === true) {
      if (t < this.lastUndated - HALF_DAY) {
        this.dayOffset++;
        t = this.instant(stamp, p);
      }
      this.lastUndated = t;
    }
    this.last = t;
    return t;
  }

  private instant(stamp: Stamp, p: Parts): number {
    const undated = stamp.undated === true;
    const year = Number.isNaN(p.year) ? (undated ? 1970 : this.year) : p.year;
    const mon = Number.isNaN(p.month) ? 1 : p.month;
    const day = (Number.isNaN(p.day) ? 1 : p.day) + (undated ? this.dayOffset : 0);
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
    const s = this.main.stamp;
    const zone = "UTC unless the stamp states a zone";
    const others = (this.spec.others ?? []).map((o) => `"${o.stamp}"`);
    // The sample's other stamps are named, so a mixed file says so.
    const also = others.length > 0 ? `; some lines ${others.join(", ")}` : "";
    if (this.missingYear)
      return `line stamps "${s.name}" (${zone}; no year in the stamp: ${this.assumedYear} assumed${also})`;
    if (this.missingDate)
      return `line stamps "${s.name}" (no date in the stamp: day 1 is 1970-01-01)`;
    return `line stamps "${s.name}"${this.spec.lead > 0 ? ` after ${this.spec.lead} column(s)` : ""} (${zone}${also})`;
  }
}
