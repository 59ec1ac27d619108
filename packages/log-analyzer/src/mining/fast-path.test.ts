// The template-first path must give exactly what the tokenizer and the tree
// give: the same template for every line, the same parameters, the same
// templates, counts and statistics. Each test mines one input twice: with
// TemplateMiner.mine (always the tokenizer and the tree) and with
// LogParser.push / TemplateMiner.mineMessage (template-first when it can).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { type LoghubConfig, listDatasets } from "../../bench/accuracy.js";
import { LOGHUB_2K_DIR } from "../../test/data/index.js";
import { type LogEvent, LogParser, type ParserOptions, parse } from "./log-parser.js";
import { type MinerConfig, paramsOf, type Template, TemplateMiner } from "./template-miner.js";

function snapshot(templates: readonly Template[]) {
  return templates.map((t) => ({
    id: t.id,
    namespace: t.namespace,
    tokens: [...t.tokens],
    count: t.count,
    lines: [t.firstLine, t.lastLine, t.firstTime, t.lastTime],
    vars: [...t.vars],
    stats: t.stats.map((s) => s?.summary() ?? null),
  }));
}

// The reference: every line through the tokenizer and the tree.
function viaTree(lines: readonly string[], opts: ParserOptions) {
  const splitter = new LogParser(opts);
  const miner = new TemplateMiner(opts.miner ?? {});
  const events = lines.map((line, k) => {
    const m = splitter.split(line);
    const { template, tok } = miner.mine(m.text, m.namespace, k + 1, m.time);
    return { templateId: template.id, params: paramsOf(template, tok) };
  });
  return { events, templates: snapshot(miner.templates()) };
}

function viaFastPath(lines: readonly string[], opts: ParserOptions) {
  const p = new LogParser(opts);
  const events = lines.map((line) => {
    const e: LogEvent = p.push(line);
    return { templateId: e.templateId, params: e.params };
  });
  return { events, templates: snapshot(p.templates()), fast: p.miner.fastPathLines() };
}

function expectSame(lines: readonly string[], opts: ParserOptions): number {
  const want = viaTree(lines, opts);
  const got = viaFastPath(lines, opts);
  expect(got.events).toEqual(want.events);
  expect(got.templates).toEqual(want.templates);
  return got.fast;
}

// Kinds of values whose masking depends on digit counts, a 0 before x,
// hex letters, separators and lists; words that route; text that looks
// like a placeholder.
const VALUE_KINDS = [
  fc.nat({ max: 100_000 }).map(String),
  fc.stringMatching(/^[0-9]{1,40}$/),
  fc.stringMatching(/^-?[0-9]{1,4}\.[0-9]{1,3}(ms|KB|%)?$/),
  // Mostly hex with a 0x prefix, sometimes another digit before the x.
  fc
    .tuple(
      fc.oneof({ weight: 6, arbitrary: fc.constant("0") }, fc.constantFrom("1", "7")),
      fc.stringMatching(/^[xX][0-9a-fA-F]{0,8}$/),
    )
    .map(([d, rest]) => d + rest),
  fc.stringMatching(/^[0-9a-f]{4,12}$/),
  fc
    .tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300), fc.option(fc.nat(70_000)))
    .map(([a, b, c, d, port]) => `${a}.${b}.${c}.${d}${port === null ? "" : `:${port}`}`),
  fc.uuid(),
  fc.stringMatching(/^\/[a-z0-9_]{1,6}(\/[a-z0-9._-]{1,8}){0,3}$/),
  fc.stringMatching(/^https?:\/\/[a-z0-9.]{1,10}(:[0-9]{1,5})?\/[a-z0-9]{0,5}$/),
  fc.constantFrom("true", "False", "TRUE", "untrue", "<num>", "<init>", "<a1>", "<*>", "a\ue000b"),
  fc.stringMatching(/^(blk|core|node|job|dn)[._-]?-?[0-9]{1,8}([_.-][0-9]{1,6})?$/),
  // Digits glued to letters stay literal inside a masked token.
  fc.stringMatching(/^(ab|x)[0-9]{1,2}[._:-][0-9]{1,3}$/),
  // Words with a slash but no digit: one marker in the skeleton, but they route as themselves.
  fc.stringMatching(/^[a-c]{1,2}\/[a-c]{1,2}$/),
  fc.stringMatching(/^[a-z]{1,5}[=:][0-9a-z,#.]{0,12}$/),
  fc.stringMatching(/^[0-9]{1,3}([,#|;:]{1,2}[0-9]{1,3}){1,3}$/),
  fc.stringMatching(/^\[?[a-z]{2,6}[0-9]{0,3}\]?:?$/),
];
const anyValue = fc.oneof(...VALUE_KINDS);
const word = fc.constantFrom(
  "open",
  "close",
  "block",
  "user",
  "from",
  "INFO",
  "WARN",
  "sshd:",
  "x",
);
// A skeleton: literal words, and value slots of one kind each (as in real logs).
const skeleton = fc.array(
  fc.oneof({ weight: 2, arbitrary: word }, fc.nat(VALUE_KINDS.length - 1)),
  { minLength: 1, maxLength: 9 },
);
// What a line puts in each place of its skeleton: mostly what the skeleton
// says; now and then another word (clusters of one leaf then widen and
// compete), another kind of value, or a run of values (collapses into one token).
function place(p: string | number): fc.Arbitrary<string> {
  const run = fc.array(fc.nat(999), { minLength: 2, maxLength: 4 }).map((a) => a.join(" "));
  const own = typeof p === "string" ? fc.constant(p) : (VALUE_KINDS[p] as fc.Arbitrary<string>);
  return fc.oneof(
    { weight: 12, arbitrary: own },
    { weight: 1, arbitrary: word },
    { weight: 1, arbitrary: anyValue },
    { weight: 1, arbitrary: run },
  );
}
const separator = fc.constantFrom(" ", " ", " ", " ", "  ", "\t", " \t ");
const line = (sk: (string | number)[]) =>
  fc
    .tuple(fc.tuple(...sk.map(place)), fc.array(separator, { minLength: 10, maxLength: 10 }))
    .map(([parts, seps]) => {
      let text = seps[9] === " \t " ? " " : "";
      parts.forEach((p, k) => {
        text += k === 0 ? p : `${seps[k]}${p}`;
      });
      return text;
    });
const logLines = fc.array(skeleton, { minLength: 1, maxLength: 4 }).chain((sks) =>
  fc.array(
    fc.nat(sks.length - 1).chain((k) => line(sks[k] as (string | number)[])),
    { minLength: 1, maxLength: 60 },
  ),
);

const CONFIGS: Partial<MinerConfig>[] = [
  {},
  // The codec's miner: no run collapsing, no lists, no value matching.
  { collapseRuns: false, matchValues: false, stats: false },
  // Full nodes send new keys down the shared <*> child.
  { maxChildren: 2, prefixDepth: 3 },
  { similarity: 0.4, routeLast: false },
  { similarity: 1, prefixDepth: 0 },
  {
    masks: [
      { name: "pair", regex: "\\d+ \\d+" },
      { name: "hexid", regex: "0x[0-9a-f]+" },
    ],
  },
];

describe("template-first path", { timeout: 120_000 }, () => {
  test.prop([logLines, fc.constantFrom(...CONFIGS.keys())], { numRuns: 300 })(
    "mines random logs exactly as the tokenizer and the tree do",
    (lines, c) => {
      expectSame(lines, { miner: CONFIGS[c] as Partial<MinerConfig>, json: false });
    },
  );

  test.prop([fc.array(fc.tuple(fc.constantFrom("a", "b", ""), anyValue), { maxLength: 40 })])(
    "mines pino messages in their event's namespace exactly as the tree does",
    (rows) => {
      const lines = rows.map(([event, v], k) =>
        JSON.stringify({ level: 30, time: 1_700_000_000_000 + k, event, msg: `took ${v} ms` }),
      );
      expectSame(lines, {});
    },
  );

  it("leaves a line to the tree when a more general cluster of its leaf covers it too", () => {
    const q = "q1 q2 q3 q4 q5 q6 q7 q8";
    const lines = [
      `p 0xff ${q}`, // T
      "p 5 s1 s2 s3 s4 q5 q6 q7 q8", // C: too far from T, a cluster of its own
      // Each joins C and widens one more of its positions, until C covers
      // T's lines (its <num> meets T's <hex> as a value of the same shape).
      "p 6 q1 s2 s3 s4 q5 q6 q7 q8",
      "p 7 q1 q2 s3 s4 q5 q6 q7 q8",
      "p 8 q1 q2 q3 s4 q5 q6 q7 q8",
      "p 9 q1 q2 q3 x4 q5 q6 q7 q8",
      `p 0xee ${q}`, // covered by both: C has more wildcards, so the tree takes C
    ];
    expectSame([lines[0] as string, lines[0] as string, ...lines], { json: false });
  });

  it("collapses a run of tokens that mask to themselves but read as a placeholder", () => {
    const lines = [
      "a b c d e f 5 0x1f g h",
      "a b c d e f x9 y9 g h", // widens the two values to <*> <*>
      "a b c d e f <a1> <a1> g h", // one <a1> token for the tree: nine tokens, not ten
    ];
    expectSame([...lines, ...lines], { json: false });
  });

  it("compares a run of literal words at once, and word by word across tabs and double spaces", () => {
    const lines = [
      "got block 17 from peer now",
      "got block 18 from peer now", // the fast path: runs "got block" and "from peer now"
      "got\tblock 19 from  peer now", // same tokens, other separators
      "got block 20 from peer nowx",
      "got block 21 from peer\tnow",
      "got blocks 22 from peer now",
    ];
    expect(expectSame([...lines, ...lines], { json: false })).toBeGreaterThan(0);
  });

  it("takes digits glued to letters inside a masked token as its literal text", () => {
    const lines = ["open ab1.234 close now", "open ab1.234 close now", "open ab2.555 close now"];
    expectSame([...lines, ...lines], { json: false });
  });

  it("takes a 0 before x as a hex prefix and another digit as text", () => {
    const lines = ["id 0x1f2a ok", "id 0x3b4c ok", "id 5x3b4c ok", "id 0x3b4c ok"];
    expectSame([...lines, ...lines], { json: false });
  });

  const config = JSON.parse(
    readFileSync(join(import.meta.dirname, "../../bench/loghub.json"), "utf8"),
  ) as LoghubConfig;
  const names = listDatasets(LOGHUB_2K_DIR);
  const read = (name: string): string[] =>
    readFileSync(join(LOGHUB_2K_DIR, name, `${name}_2k.log`), "utf8")
      .split("\n")
      .slice(0, -1);

  it.each(names)("mines %s exactly as the tree does, whole lines and with its config", (name) => {
    const lines = read(name);
    const ds = config.datasets[name] ?? { masks: [] };
    const whole = expectSame(lines, {});
    // Most lines take the template-first path, so this test exercises it.
    expect(whole).toBeGreaterThan(lines.length * 0.8);
    const format = ds.format === undefined ? {} : { format: ds.format };
    expectSame(lines, { ...format, miner: { masks: ds.masks }, json: false });
    expectSame(lines, { miner: { collapseRuns: false, matchValues: false, stats: false } });
  });

  it.each(names)("parse() gives %s the params the tree gives against final templates", (name) => {
    const lines = read(name);
    const got = parse(lines, { detectFormat: false, detectTime: false });
    const miner = new TemplateMiner();
    const toks = lines.map((l, k) => miner.mine(l, "", k + 1));
    const final = miner.templates();
    expect(snapshot(got.templates)).toEqual(snapshot(final));
    expect(got.events.map((e) => [e.templateId, e.params])).toEqual(
      toks.map(({ template, tok }) => [template.id, paramsOf(final[template.id] as Template, tok)]),
    );
  });
});
