import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { parse } from "./log-parser.js";
import { MAX_MINED_CHARS, MAX_MINED_TOKENS, messageCut, REST_PLACEHOLDER } from "./message-cap.js";
import { TemplateMiner } from "./template-miner.js";
import { joinTokens } from "./tokenize.js";

const words = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `w${(i + from) % 50} ${i}`).join(" ");

// Pieces that make long messages of every shape: many short tokens, long
// tokens, runs of spaces and tabs, values, CR and non-ASCII characters.
const piece = fc.oneof(
  fc.constantFrom(" ", "\t", "  ", "a", "1", "x=1", "/p/q", "é", "\r", "<num>", "0x1f"),
  fc.integer({ min: 1, max: 3000 }).map((n) => "y".repeat(n)),
  fc.integer({ min: 1, max: 3000 }).map((n) => " ".repeat(n)),
  fc.integer({ min: 1, max: 800 }).map((n) => "a ".repeat(n)),
);
const message = fc.array(piece, { maxLength: 80 }).map((p) => p.join(""));

describe("messages too long to mine whole (huge-line-memory-blowup)", { timeout: 60_000 }, () => {
  test.prop([message], { numRuns: 150 })(
    "tokenizing a capped message still rebuilds it byte for byte",
    (s) => {
      const t = new TemplateMiner().tokenize(s);
      expect(joinTokens(t.raws, t.seps)).toBe(s);
      expect(t.tokens.length).toBeLessThanOrEqual(MAX_MINED_TOKENS + 1);
      if (messageCut(s) !== -1) expect(t.tokens.at(-1)).toBe(REST_PLACEHOLDER);
    },
  );

  it("cuts after the token limit, at a token start, and only past a limit", () => {
    expect(messageCut(words(MAX_MINED_TOKENS / 2))).toBe(-1);
    const long = words(MAX_MINED_TOKENS);
    const cut = messageCut(long);
    expect(cut).toBeGreaterThan(0);
    expect(long[cut - 1]).toBe(" ");
    expect(long.slice(0, cut).trim().split(/\s+/)).toHaveLength(MAX_MINED_TOKENS);
    expect(messageCut("x".repeat(MAX_MINED_CHARS))).toBe(-1);
    expect(messageCut("x".repeat(MAX_MINED_CHARS + 1))).toBe(0);
    expect(messageCut(`a ${"x".repeat(MAX_MINED_CHARS)}`)).toBe(2);
    expect(messageCut(`${" ".repeat(MAX_MINED_CHARS + 5)}x`)).toBe(MAX_MINED_CHARS);
  });

  it("mines an 8 MB line as its first 1,024 words and one <rest> value holding the rest", () => {
    const line = words(800_000);
    expect(line.length).toBeGreaterThan(8_000_000);
    const r = parse([line, line.replace("w0 0", "w0 7")], { detectFormat: false });
    expect(r.templates).toHaveLength(1);
    const t = r.templates[0];
    expect(t?.tokens).toHaveLength(MAX_MINED_TOKENS + 1);
    expect(t?.tokens.at(-1)).toBe(REST_PLACEHOLDER);
    const e = r.events[0];
    const rest = e?.params.at(-1) ?? "";
    expect(line.endsWith(rest)).toBe(true);
    expect(rest.length).toBeGreaterThan(line.length - 20_000);
  });

  it("keeps the statistics of a <rest> position bounded", () => {
    const p = new TemplateMiner();
    const line = `start ${"z".repeat(200_000)}`;
    for (let k = 0; k < 20; k++) p.mineMessage(`${line}${k}`);
    const t = p.templates()[0];
    const s = t?.stats[1]?.summary();
    expect(s?.count).toBe(20);
    for (const v of s?.top ?? []) expect(v.value.length).toBeLessThanOrEqual(200);
  });
});
