// Pins what mining gives on every committed log — the templates, which line
// joined which template with which params, the statistics, and the accuracy
// figures — against a recorded expectation (mining-output/*.json), so
// speed work cannot change a result unnoticed. Record it again (vitest -u)
// only for an intended change of results, and say why in the commit.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DatasetConfig, type LoghubConfig, measureAccuracy } from "../bench/accuracy.js";
import { LogParser, type ParserOptions, parse } from "../src/mining/log-parser.js";
import { positionValue, type Template, TemplateMiner } from "../src/mining/template-miner.js";
import { LOGHUB_2K_DIR, loghubLog, loghubSets } from "./data/index.js";
import { writeEngineLog } from "./fixtures/engine-log.js";

const config = JSON.parse(
  readFileSync(join(import.meta.dirname, "../bench/loghub.json"), "utf8"),
) as LoghubConfig;

const digest = (x: unknown): string =>
  createHash("sha256").update(JSON.stringify(x)).digest("hex").slice(0, 16);

// One readable line per template; the per-line results and statistics as digests.
function templates(ts: readonly Template[]): string[] {
  return ts.map(
    (t) => `${t.count} ${t.firstLine}-${t.lastLine} ${t.namespace}|${t.tokens.join(" ")}`,
  );
}
const stats = (ts: readonly Template[]): string =>
  digest(ts.map((t) => t.stats.map((s) => s?.summary() ?? null)));

// What LogParser.push gives, line by line (the streaming path and the bench's parse mode).
function streamed(lines: readonly string[], opts: ParserOptions) {
  const p = new LogParser(opts);
  const events = lines.map((l) => {
    const e = p.push(l);
    return [e.templateId, e.params, e.level ?? null, e.time ?? null];
  });
  const ts = p.templates();
  return { templates: templates(ts), events: digest(events), stats: stats(ts) };
}

// What parse() gives: a detected header when none is declared, params against final templates.
function parsed(lines: readonly string[], opts: ParserOptions) {
  const r = parse(lines, opts);
  const events = r.events.map((e) => [e.templateId, e.params]);
  return { templates: templates(r.templates), events: digest(events), stats: stats(r.templates) };
}

// What the compression codec's miner gives: tokens, no run collapsing, no value matching.
function codec(lines: readonly string[]) {
  const miner = new TemplateMiner({ collapseRuns: false, matchValues: false, stats: false });
  const events = lines.map((l) => {
    const { template: t, tok } = miner.mine(l);
    const params = t.vars.map((i) => positionValue(t.tokens[i] as string, tok, i));
    return [t.id, tok.tokens, tok.raws, tok.seps, params];
  });
  return { templates: templates(miner.templates()), events: digest(events) };
}

const read = (path: string): string[] => readFileSync(path, "utf8").split("\n").slice(0, -1);

describe("mining output on the committed logs", { timeout: 120_000 }, () => {
  it.each(loghubSets())("is what was recorded for %s", async (name) => {
    const lines = read(loghubLog(name));
    const ds = config.datasets[name] ?? { masks: [] };
    const declared = {
      ...(ds.format === undefined ? {} : { format: ds.format }),
      miner: { masks: ds.masks },
      json: false,
    };
    const accuracy = (d: DatasetConfig) => {
      const r = measureAccuracy(LOGHUB_2K_DIR, name, d, config.miner);
      return { ga: r.ga, pa: r.pa, templates: r.templates };
    };
    const out = {
      accuracy: {
        shipped: accuracy(ds),
        noMasks: accuracy({ ...ds, masks: [] }),
        detected: accuracy({ masks: [] }),
      },
      wholeLines: streamed(lines, {}),
      declared: streamed(lines, declared),
      parseDetected: parsed(lines, {}),
      parseDeclared: parsed(lines, declared),
      codec: codec(lines),
    };
    await expect(`${JSON.stringify(out, null, 2)}\n`).toMatchFileSnapshot(
      `mining-output/${name}.json`,
    );
  });

  it("is what was recorded for a pino log of the engine", async () => {
    const dir = mkdtempSync(join(tmpdir(), "la-mining-output-"));
    try {
      const path = join(dir, "engine.log");
      writeEngineLog(path, { seed: 7, knownBad: true });
      const lines = read(path);
      const out = { lines: lines.length, streamed: streamed(lines, {}), codec: codec(lines) };
      await expect(`${JSON.stringify(out, null, 2)}\n`).toMatchFileSnapshot(
        "mining-output/engine-pino.json",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
