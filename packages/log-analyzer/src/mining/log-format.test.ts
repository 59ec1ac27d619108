import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { isLogAnalyzerError } from "../errors.js";
import { applyLogFormat, compileLogFormat } from "./log-format.js";
import { LogParser } from "./log-parser.js";

// The old construction: every header a lazy `.*?` group in one anchored regex.
function lazyRegex(format: string): RegExp {
  let re = "";
  for (const p of format.split(/(<[^<>]+>)/)) {
    if (p.startsWith("<") && p.endsWith(">") && p.length > 2) re += `(?<${p.slice(1, -1)}>.*?)`;
    else re += p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ +/g, "\\s+");
  }
  return new RegExp(`^${re}$`);
}

// The one documented difference: the regex can hand a space back from one
// whitespace run to the next so that a header between them is empty.
function emptyBetweenSpaces(format: string, line: string): boolean {
  const m = new RegExp(lazyRegex(format).source, "d").exec(line);
  const spans = m?.indices?.groups ?? {};
  return Object.values(spans).some(
    (r) =>
      r !== undefined &&
      r[0] === r[1] &&
      /\s/.test(line[r[0] - 1] ?? "") &&
      /\s/.test(line[r[0]] ?? ""),
  );
}

describe("log formats", () => {
  it("format-regex-catastrophic-backtracking: a 10,000-word line that does not match finishes in well under a second", () => {
    const f = compileLogFormat("<Date> <Time> <Pid> <Level> <Component>: <Content> [<Tail>]");
    const line = Array.from({ length: 10_000 }, (_, i) => `w${i}`).join(" ");
    const t0 = performance.now();
    expect(applyLogFormat(f, line)).toBeNull();
    const ms = performance.now() - t0;
    // Linear: milliseconds. The regex took a minute of CPU at 150 words.
    expect(ms).toBeLessThan(1000);
  });

  test.prop(
    [
      fc.constantFrom(
        "<A> <B>: <Content>",
        "[<Time>] <Level> - <Content>",
        "<A>|<B>|<Content>",
        "<A> <Content> [<B>]",
        "<A><B> <Content>",
      ),
      fc.string({ unit: fc.constantFrom("a", "b", " ", "  ", ":", "[", "]", "|", "-", "\t") }),
    ],
    { numRuns: 2000 },
  )("splits a line exactly as the lazy regex does", (format, line) => {
    fc.pre(!emptyBetweenSpaces(format, line));
    const m = lazyRegex(format).exec(line);
    const got = applyLogFormat(compileLogFormat(format), line);
    if (m === null || m.groups === undefined) expect(got).toBeNull();
    else {
      const { Content, ...headers } = m.groups;
      expect(got).toEqual({ content: Content, headers });
    }
  });

  it("does not match a header left empty between two whitespace runs", () => {
    const f = compileLogFormat("<A> <Content> [<B>]");
    expect(applyLogFormat(f, "x y [z]")).toEqual({ content: "y", headers: { A: "x", B: "z" } });
    expect(applyLogFormat(f, "x  [z]")).toBeNull();
  });

  it("reads Drain's escaped brackets as literals", () => {
    const f = compileLogFormat("\\[<Time>\\] \\[<Level>\\] <Content>");
    expect(applyLogFormat(f, "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok")).toEqual({
      content: "workerEnv.init() ok",
      headers: { Time: "Sun Dec 04 04:47:44 2005", Level: "notice" },
    });
  });

  it("rejects a format without <Content>, with a bad or a repeated header", () => {
    for (const bad of ["<Date> <Time>", "<Date> <2x> <Content>", "<A> <A> <Content>"]) {
      let err: unknown;
      try {
        compileLogFormat(bad);
      } catch (e) {
        err = e;
      }
      expect(isLogAnalyzerError(err) && err.code).toBe("invalid_config");
    }
  });

  it("counts the lines the format does not match and where the first one was", () => {
    const p = new LogParser({ format: "<Level>: <Content>" });
    p.push("INFO: started");
    p.startInput();
    p.push("INFO: again");
    p.push("no header here");
    p.push("nor here");
    expect(p.formatMisses()).toEqual({ count: 2, first: { input: 2, line: 2 } });
  });
});
