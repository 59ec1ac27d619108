// Line → event: pino JSON lines are mined on `msg` (namespaced by `event`),
// text lines on their <Content> when a format is given, else whole.
import { DETECT_SAMPLE, detectLogFormat } from "./header-detect.js";
import { detectLineTime, LineTimeReader, type LineTimeSpec, STACK_LINE } from "./line-time.js";
import { applyLogFormat, compileLogFormat, type LogFormat } from "./log-format.js";
import { messageCut } from "./message-cap.js";
import {
  type FieldValue,
  levelName,
  parseStructuredLine,
  recordLevel,
  recordTime,
} from "./pino-line.js";
import { arraySample } from "./spread-sample.js";
import { type MinerConfig, paramsOf, type Template, TemplateMiner } from "./template-miner.js";

/** Options of a parser. */
export interface ParserOptions {
  readonly miner?: Partial<MinerConfig>;
  /** Drain-style header format for text lines, e.g. "<Date> <Time> <Level>: <Content>". */
  readonly format?: string;
  /**
   * Without `format`, let {@link parse} detect a common header (syslog,
   * ISO-8601, log4j, ctime…) from the first lines (default true). The
   * streaming {@link LogParser} never guesses: pass it `detectLogFormat(sample)`.
   */
  readonly detectFormat?: boolean;
  /** Understand pino JSON lines field-wise (default true). */
  readonly json?: boolean;
  /**
   * The stamp text lines start with (see line-time.ts); their times then
   * place events in time. {@link parse} detects it unless `detectTime` is
   * false; the streaming {@link LogParser} needs `detectLineTime(sample)`.
   */
  readonly lineTime?: LineTimeSpec | null;
  readonly detectTime?: boolean;
  /** The year for stamps without one (syslog); default the current year. */
  readonly assumedYear?: number;
}

/** One parsed line. */
export interface LogEvent {
  /** 1-based line number within its input. */
  readonly line: number;
  readonly templateId: number;
  /** Values at the template's variable positions, as of when the line was mined. */
  readonly params: readonly string[];
  /** Typed columns: pino fields or format headers; null for plain text lines. */
  readonly fields: Readonly<Record<string, FieldValue>> | null;
  readonly level: string | undefined;
  /** Epoch ms: a JSON time field, the line's stamp, or else the last stamp before it. */
  readonly time: number | undefined;
  /**
   * Set on a line that continues a record (a stack frame, "Caused by:", an
   * indented or exception line without the file's stamp): the line number
   * of the record's first line. Such a line has the {@link CONTINUATION}
   * template, no level (the record holds it) and the record's time.
   */
  readonly record?: number;
}

/** A line split into the message to mine and its other fields. */
export interface SplitLine {
  /** The text to mine: `msg` of a pino line, `<Content>` of a format, else the whole line. */
  readonly text: string;
  /** The template namespace (a pino line's `event`), else "". */
  readonly namespace: string;
  readonly fields: Record<string, FieldValue> | null;
  readonly level: string | undefined;
  readonly time: number | undefined;
  /** False for a text line the header format did not match (mined whole). */
  readonly formatMatched: boolean;
  /** The line without its "\r" when it is text; null for a JSON line. */
  readonly textLine: string | null;
}

/** The first line of a Java/Python exception: "java.io.IOException: …", "ValueError: …". */
const EXCEPTION_LINE =
  /^(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*(?:Exception|Error|Throwable|Fault)(?::|$)/;

/** Streaming parser: `push` one line at a time; memory is bounded by the templates. */
export class LogParser {
  readonly miner: TemplateMiner;
  private format: LogFormat | null;
  private readonly json: boolean;
  private lineNo = 0;
  private misses = 0;
  private firstMiss: { input: number; line: number } | null = null;
  private capped = 0;
  private firstCapped: { input: number; line: number } | null = null;
  private input = 0;
  private times: LineTimeReader | null;
  private readonly assumedYear: number | undefined;
  private readonly clocks: string[] = [];
  private recordLine = 0;
  private lastTime: number | undefined;
  private jsonTimes = false;

  constructor(opts: ParserOptions = {}) {
    this.miner = new TemplateMiner(opts.miner ?? {});
    this.format = opts.format === undefined ? null : compileLogFormat(opts.format);
    this.json = opts.json ?? true;
    this.assumedYear = opts.assumedYear;
    this.times = this.reader(opts.lineTime);
  }

  private reader(spec: LineTimeSpec | null | undefined): LineTimeReader | null {
    return spec === undefined || spec === null ? null : new LineTimeReader(spec, this.assumedYear);
  }

  /**
   * Restarts line numbering (call before each new input file). `lineTime`,
   * when given, is this input's stamp (detected from its own first lines);
   * null reads no stamps; omitted keeps the previous one. `format` likewise
   * is this input's header format (null: lines are mined whole), so inputs
   * from different systems are each split by their own header.
   */
  startInput(lineTime?: LineTimeSpec | null, format?: string | null): void {
    this.noteClock();
    this.lineNo = 0;
    this.input++;
    this.recordLine = 0;
    this.lastTime = undefined;
    if (lineTime !== undefined) this.times = this.reader(lineTime);
    if (format !== undefined) this.format = format === null ? null : compileLogFormat(format);
    this.times?.reset();
    this.jsonTimes = false;
  }

  // Remembers the clock of the input that just ended (for clock()).
  private noteClock(): void {
    if (this.lineNo > 0 && !this.clocks.includes(this.inputClock())) {
      this.clocks.push(this.inputClock());
    }
  }

  /** The header format of the current input, or null (lines mined whole). */
  inputFormat(): string | null {
    return this.format?.source ?? null;
  }

  /** The clock of the current input, in words. */
  inputClock(): string {
    if (this.times !== null) return this.times.describe();
    if (this.jsonTimes) return "the JSON lines' time fields";
    return "line numbers (no time stamps read from the lines)";
  }

  /** Which clock the events' times are on, in words (for reports); one per kind of input. */
  clock(): string {
    const all = [...this.clocks];
    const now = this.inputClock();
    if (!all.includes(now)) all.push(now);
    return all.join("; ");
  }

  /**
   * Text lines the header format did not match (they were mined whole), and
   * where the first one was (1-based input, counted by `startInput`, and line).
   */
  formatMisses(): { count: number; first: { input: number; line: number } | null } {
    return { count: this.misses, first: this.firstMiss };
  }

  /**
   * Messages too long to mine whole (see message-cap.ts: mined on their
   * head, the rest kept as one `<rest>` value), and where the first was.
   */
  cappedMessages(): { count: number; first: { input: number; line: number } | null } {
    return { count: this.capped, first: this.firstCapped };
  }

  /** Parses the next line (without its newline). */
  push(input: string): LogEvent {
    this.lineNo++;
    if (this.input === 0) this.input = 1;
    const lineNo = this.lineNo;
    const m = this.split(input);
    let time = m.time;
    if (m.textLine === null) {
      if (time !== undefined) this.jsonTimes = true;
    } else {
      if (this.times !== null) time = this.times.read(m.textLine);
      if (this.recordLine > 0 && this.continues(m, m.textLine, time)) {
        const t = this.miner.continuation(m.textLine, lineNo, this.lastTime);
        const params = [m.textLine];
        const { recordLine: record } = this;
        return {
          line: lineNo,
          templateId: t.id,
          params,
          fields: null,
          level: undefined,
          time: this.lastTime,
          record,
        };
      }
    }
    // A line without a stamp in a stamped file happened no earlier than the last one.
    if (time === undefined && this.times !== null) time = this.lastTime;
    this.recordLine = lineNo;
    this.lastTime = time;
    if (!m.formatMatched) {
      this.misses++;
      this.firstMiss ??= { input: this.input, line: lineNo };
    }
    if (messageCut(m.text) !== -1) {
      this.capped++;
      this.firstCapped ??= { input: this.input, line: lineNo };
    }
    const { template, params } = this.miner.mineMessage(m.text, m.namespace, lineNo, time);
    return {
      line: lineNo,
      templateId: template.id,
      params,
      fields: m.fields,
      level: m.level,
      time,
    };
  }

  // A stack-trace line always continues the record before it; in a file
  // whose records start with a stamp or header, so does an indented or
  // exception line that has neither.
  private continues(m: SplitLine, line: string, time: number | undefined): boolean {
    const c = line.charCodeAt(0);
    // Only these can start a STACK_LINE: space, tab, ".", "C", "S", "T".
    if (
      (c === 32 || c === 9 || c === 46 || c === 67 || c === 83 || c === 84) &&
      STACK_LINE.test(line)
    )
      return true;
    const framed = this.times !== null || this.format !== null;
    if (!framed || time !== undefined || (this.format !== null && m.formatMatched)) return false;
    return c === 32 || c === 9 || EXCEPTION_LINE.test(line);
  }

  /** Splits a line (without its newline) as {@link push} does, without mining it. */
  split(input: string): SplitLine {
    // The line reader strips one "\r" per line; callers handing in lines
    // themselves (parse(), push()) get the same treatment.
    const line = input.charCodeAt(input.length - 1) === 13 ? input.slice(0, -1) : input;
    const s = this.json ? parseStructuredLine(line) : null;
    if (s !== null) {
      const ev = s.fields.event;
      return {
        text: s.msg,
        namespace: typeof ev === "string" ? ev : "",
        fields: s.fields,
        level: recordLevel(s.fields),
        time: recordTime(s.fields),
        formatMatched: true,
        textLine: null,
      };
    }
    const f = this.format === null ? null : applyLogFormat(this.format, line);
    if (f === null) {
      return {
        text: line,
        namespace: "",
        fields: null,
        level: undefined,
        time: undefined,
        formatMatched: this.format === null,
        textLine: line,
      };
    }
    const level = levelName(f.headers.Level);
    return {
      text: f.content,
      namespace: "",
      fields: f.headers,
      level,
      time: undefined,
      formatMatched: true,
      textLine: line,
    };
  }

  /** Templates so far. */
  templates(): readonly Template[] {
    return this.miner.templates();
  }
}

/** Result of {@link parse}. */
export interface ParseResult {
  readonly templates: readonly Template[];
  /** One per input line; params are re-derived against each template's final form. */
  readonly events: readonly LogEvent[];
}

/**
 * Parses a whole array (or iterable) of lines, detecting a header format
 * when none is given (see `detectFormat`) from a sample spread through a
 * long input (`arraySample`). Unlike streaming `push`, the
 * events' params are computed against the final templates, so every event of
 * a template has the same number of params. Keeps all lines and events in
 * memory: for large files use {@link LogParser} directly.
 */
export function parse(lines: Iterable<string>, opts: ParserOptions = {}): ParseResult {
  const all = Array.isArray(lines) ? (lines as readonly string[]) : [...lines];
  let options = opts;
  if (opts.format === undefined && opts.detectFormat !== false) {
    const format = detectLogFormat(arraySample(all, DETECT_SAMPLE));
    if (format !== null) options = { ...options, format };
  }
  if (opts.lineTime === undefined && opts.detectTime !== false) {
    options = { ...options, lineTime: detectLineTime(arraySample(all, DETECT_SAMPLE)) };
  }
  const p = new LogParser(options);
  const templates = p.templates();
  const events: LogEvent[] = [];
  // Each template's variable positions as of each line: widening replaces the array.
  const vars: (readonly number[])[] = [];
  for (const line of all) {
    const e = p.push(line);
    events.push(e);
    vars.push((templates[e.templateId] as Template).vars);
  }
  // A template that widened after a line has other variable positions now:
  // tokenize that line again and read its params against the final form.
  for (let k = 0; k < events.length; k++) {
    const e = events[k] as LogEvent;
    const t = templates[e.templateId] as Template;
    if (t.vars === vars[k] || e.record !== undefined) continue;
    const tok = p.miner.tokenize(p.split(all[k] as string).text);
    events[k] = { ...e, params: paramsOf(t, tok) };
  }
  return { templates, events };
}
