// Drain-style header formats ("<Date> <Time> <Level>: <Content>"): the
// headers become typed columns and only <Content> is mined.
//
// A format is literal text and headers; a run of spaces matches any run of
// whitespace, `\x` is a literal x. Each header takes the shortest text that
// lets the rest match, as Drain's `(?P<h>.*?)` does, but the matcher never
// backtracks: it finds each literal's first occurrence after the previous
// header (a later choice can only leave less text for what follows), and the
// last literal at the end of the line. That is linear in the line's length
// for a given format, where the regex was exponential in the header count on
// a line that does not match.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";

/** One literal between headers: characters, with WS for a whitespace run. */
type Literal = readonly number[];
const WS = -1;

/** A compiled format. */
export interface LogFormat {
  readonly source: string;
  readonly headers: readonly string[];
  /** literals[k] comes before headers[k]; the last one ends the line. */
  readonly literals: readonly Literal[];
}

/** Header values and the content of one line. */
export interface FormatMatch {
  readonly content: string;
  readonly headers: Record<string, string>;
}

const HEADER_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Compiles a format string; it must contain `<Content>` once. */
export function compileLogFormat(format: string): LogFormat {
  const headers: string[] = [];
  const literals: number[][] = [[]];
  let i = 0;
  while (i < format.length) {
    const c = format.charCodeAt(i);
    const lit = literals[literals.length - 1] as number[];
    if (c === 60) {
      const end = format.indexOf(">", i + 1);
      const name = end === -1 ? "" : format.slice(i + 1, end);
      if (!HEADER_NAME.test(name)) {
        throw new LogAnalyzerError(
          LogErrorCode.InvalidConfig,
          `bad header in format at column ${i + 1}: ${format.slice(i, end === -1 ? i + 12 : end + 1)}`,
          { format },
        );
      }
      if (headers.includes(name)) {
        throw new LogAnalyzerError(LogErrorCode.InvalidConfig, `header <${name}> appears twice`, {
          format,
        });
      }
      headers.push(name);
      literals.push([]);
      i = end + 1;
    } else if (isSpace(c)) {
      if (lit[lit.length - 1] !== WS) lit.push(WS);
      i++;
    } else if (c === 92 && i + 1 < format.length) {
      lit.push(format.charCodeAt(i + 1));
      i += 2;
    } else {
      lit.push(c);
      i++;
    }
  }
  if (!headers.includes("Content")) {
    throw new LogAnalyzerError(LogErrorCode.InvalidConfig, "log format needs a <Content> header", {
      format,
    });
  }
  return { source: format, headers, literals };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

// End of `lit` matched at `at`, or -1. Whitespace runs are greedy.
function matchAt(s: string, at: number, lit: Literal): number {
  let p = at;
  for (const c of lit) {
    if (c === WS) {
      if (p >= s.length || !isSpace(s.charCodeAt(p))) return -1;
      while (p < s.length && isSpace(s.charCodeAt(p))) p++;
    } else {
      if (s.charCodeAt(p) !== c) return -1;
      p++;
    }
  }
  return p;
}

// First position ≥ from where `lit` matches: [start, end], or null.
function find(s: string, from: number, lit: Literal): [number, number] | null {
  const first = lit[0];
  for (let p = from; p <= s.length; p++) {
    if (first !== undefined && first !== WS) {
      p = s.indexOf(String.fromCharCode(first), p);
      if (p === -1) return null;
    }
    const e = matchAt(s, p, lit);
    if (e !== -1) return [p, e];
  }
  return null;
}

/** Splits a line by the format; null when it does not match. */
export function applyLogFormat(f: LogFormat, line: string): FormatMatch | null {
  const n = f.headers.length;
  let p = matchAt(line, 0, f.literals[0] as Literal);
  if (p === -1) return null;
  const values: string[] = new Array(n);
  for (let k = 0; k < n - 1; k++) {
    const hit = find(line, p, f.literals[k + 1] as Literal);
    if (hit === null) return null;
    values[k] = line.slice(p, hit[0]);
    p = hit[1];
  }
  // The last header ends where the final literal reaches the end of the line.
  const last = f.literals[n] as Literal;
  let end = -1;
  for (let e = p; e <= line.length && end === -1; e++) {
    if (matchAt(line, e, last) === line.length) end = e;
  }
  if (end === -1) return null;
  values[n - 1] = line.slice(p, end);
  const headers: Record<string, string> = {};
  let content = "";
  for (let k = 0; k < n; k++) {
    const h = f.headers[k] as string;
    if (h === "Content") content = values[k] as string;
    else headers[h] = values[k] as string;
  }
  return { content, headers };
}
