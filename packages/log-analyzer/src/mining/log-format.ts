// Drain-style header formats ("<Date> <Time> <Level>: <Content>"): the
// headers become typed columns and only <Content> is mined.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";

/** A compiled format: a regex with one named group per header. */
export interface LogFormat {
  readonly source: string;
  readonly re: RegExp;
  readonly headers: readonly string[];
}

/** Compiles a format string; it must contain `<Content>`. */
export function compileLogFormat(format: string): LogFormat {
  const parts = format.split(/(<[^<>]+>)/);
  const headers: string[] = [];
  let re = "";
  for (const p of parts) {
    if (p.startsWith("<") && p.endsWith(">") && p.length > 2) {
      const name = p.slice(1, -1);
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
        throw new LogAnalyzerError(LogErrorCode.InvalidConfig, `bad header name in format: ${p}`);
      }
      headers.push(name);
      re += `(?<${name}>.*?)`;
    } else {
      re += p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ +/g, "\\s+");
    }
  }
  if (!headers.includes("Content")) {
    throw new LogAnalyzerError(LogErrorCode.InvalidConfig, "log format needs a <Content> header", {
      format,
    });
  }
  return { source: format, re: new RegExp(`^${re}$`), headers };
}

/** Splits a line by the format; null when it does not match. */
export function applyLogFormat(
  f: LogFormat,
  line: string,
): { content: string; headers: Record<string, string> } | null {
  const m = f.re.exec(line);
  if (m === null || m.groups === undefined) return null;
  const headers: Record<string, string> = {};
  for (const h of f.headers) if (h !== "Content") headers[h] = m.groups[h] ?? "";
  return { content: m.groups.Content ?? "", headers };
}
