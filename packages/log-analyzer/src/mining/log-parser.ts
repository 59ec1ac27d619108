// Line → event: pino JSON lines are mined on `msg` (namespaced by `event`),
// text lines on their <Content> when a format is given, else whole.
import { DETECT_SAMPLE, detectLogFormat } from "./header-detect.js";
import { applyLogFormat, compileLogFormat, type LogFormat } from "./log-format.js";
import { type FieldValue, levelName, parseStructuredLine, timeMs } from "./pino-line.js";
import { type MinerConfig, positionValue, type Template, TemplateMiner } from "./template-miner.js";
import type { TokenizedLine } from "./tokenize.js";

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
  readonly time: number | undefined;
}

/** Parameters of `tok` at the template's variable positions. */
export function paramsOf(t: Pick<Template, "tokens" | "vars">, tok: TokenizedLine): string[] {
  const out: string[] = new Array(t.vars.length);
  for (let k = 0; k < t.vars.length; k++) {
    const i = t.vars[k] as number;
    out[k] = positionValue(t.tokens[i] as string, tok, i);
  }
  return out;
}

/** Streaming parser: `push` one line at a time; memory is bounded by the templates. */
export class LogParser {
  readonly miner: TemplateMiner;
  private readonly format: LogFormat | null;
  private readonly json: boolean;
  private lineNo = 0;
  private misses = 0;
  private firstMiss: { input: number; line: number } | null = null;
  private input = 0;

  constructor(opts: ParserOptions = {}) {
    this.miner = new TemplateMiner(opts.miner ?? {});
    this.format = opts.format === undefined ? null : compileLogFormat(opts.format);
    this.json = opts.json ?? true;
  }

  /** Restarts line numbering (call before each new input file). */
  startInput(): void {
    this.lineNo = 0;
    this.input++;
  }

  /**
   * Text lines the header format did not match (they were mined whole), and
   * where the first one was (1-based input, counted by `startInput`, and line).
   */
  formatMisses(): { count: number; first: { input: number; line: number } | null } {
    return { count: this.misses, first: this.firstMiss };
  }

  /** Parses the next line (without its newline). */
  push(line: string): LogEvent {
    return this.pushDetailed(line).event;
  }

  /** Like `push`, also returning the tokenized message (for re-deriving params later). */
  pushDetailed(input: string): { event: LogEvent; tok: TokenizedLine } {
    this.lineNo++;
    if (this.input === 0) this.input = 1;
    // The line reader strips one "\r" per line; callers handing in lines
    // themselves (parse(), push()) get the same treatment.
    const line = input.endsWith("\r") ? input.slice(0, -1) : input;
    const lineNo = this.lineNo;
    let text = line;
    let namespace = "";
    let fields: Record<string, FieldValue> | null = null;
    let level: string | undefined;
    let time: number | undefined;
    const s = this.json ? parseStructuredLine(line) : null;
    if (s !== null) {
      text = s.msg;
      fields = s.fields;
      const ev = s.fields.event;
      if (typeof ev === "string") namespace = ev;
      level = levelName(s.fields.level);
      time = timeMs(s.fields.time);
    } else if (this.format !== null) {
      const f = applyLogFormat(this.format, line);
      if (f !== null) {
        text = f.content;
        fields = f.headers;
        level = levelName(f.headers.Level);
      } else {
        this.misses++;
        this.firstMiss ??= { input: this.input, line: lineNo };
      }
    }
    const { template, tok } = this.miner.mine(text, namespace, lineNo, time);
    const event: LogEvent = {
      line: lineNo,
      templateId: template.id,
      params: paramsOf(template, tok),
      fields,
      level,
      time,
    };
    return { event, tok };
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
 * when none is given (see `detectFormat`). Unlike streaming `push`, the
 * events' params are computed against the final templates, so every event of
 * a template has the same number of params. Keeps all lines' tokens in memory:
 * for large files use {@link LogParser} directly.
 */
export function parse(lines: Iterable<string>, opts: ParserOptions = {}): ParseResult {
  const all = Array.isArray(lines) ? (lines as readonly string[]) : [...lines];
  let options = opts;
  if (opts.format === undefined && opts.detectFormat !== false) {
    const format = detectLogFormat(all.slice(0, DETECT_SAMPLE));
    if (format !== null) options = { ...opts, format };
  }
  const p = new LogParser(options);
  const pending: { event: LogEvent; tok: TokenizedLine }[] = [];
  for (const line of all) pending.push(p.pushDetailed(line));
  const templates = p.templates();
  const events = pending.map(({ event, tok }) => {
    const t = templates[event.templateId] as Template;
    return { ...event, params: paramsOf(t, tok) };
  });
  return { templates, events };
}
