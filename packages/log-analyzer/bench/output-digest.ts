// Digests of everything parsing and compressing produce for some files, so a
// speed change can be checked against the code before it: run this on both
// trees and compare. Per file: templates (tokens, counts, first/last line,
// variable positions, every parameter statistics summary) and events
// (template id, params, fields, level, time) of the streaming parser with no
// format, of the parser with the detected format, and of `parse()`; and the
// `.tdlz` bytes.
// usage: output-digest.ts [--json] [--no-compress] [FILE...]   (default: every
// committed loghub-2k file, the v1 .tdlz sample's log, two pino engine logs and
// 64 KB of random bytes, the last three written to a temporary folder)
import { createHash, type Hash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { compressFile } from "../src/codec/tdlz.js";
import { readLineArrays } from "../src/io/line-reader.js";
import { DETECT_SAMPLE, detectLogFormat } from "../src/mining/header-detect.js";
import { type LogEvent, LogParser, parse } from "../src/mining/log-parser.js";
import type { Template } from "../src/mining/template-miner.js";
import { LOGHUB_2K_DIR, loghubSets } from "../test/data/index.js";
import { writeEngineLog } from "../test/fixtures/engine-log.js";
import { noise } from "../test/fixtures/noise.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const compress = !args.includes("--no-compress");
const named = args.filter((a) => !a.startsWith("--"));
const dir = mkdtempSync(join(tmpdir(), "la-digest-"));

function defaultFiles(): string[] {
  const files = loghubSets().flatMap((s) =>
    readdirSync(join(LOGHUB_2K_DIR, s))
      .sort()
      .map((f) => join(LOGHUB_2K_DIR, s, f)),
  );
  files.push(join(import.meta.dirname, "../test/fixtures/tdlz-v1/sample.log"));
  for (const knownBad of [false, true]) {
    const p = join(dir, `engine-${knownBad ? "bad" : "good"}.log`);
    writeEngineLog(p, { seed: 7, knownBad });
    files.push(p);
  }
  const p = join(dir, "noise.bin");
  writeFileSync(p, noise(1 << 16));
  files.push(p);
  return files;
}

function hex(h: Hash): string {
  return h.digest("hex").slice(0, 16);
}

function templatesDigest(templates: readonly Template[]): string {
  const h = createHash("sha256");
  for (const t of templates) {
    const stats = t.stats.map((s) => (s === undefined ? null : s.summary()));
    const row = [t.id, t.namespace, t.tokens, t.count, t.firstLine, t.lastLine, t.vars, stats];
    h.update(`${JSON.stringify([...row, t.firstTime ?? null, t.lastTime ?? null])}\n`);
  }
  return hex(h);
}

function addEvent(h: Hash, e: LogEvent): void {
  const row = [e.line, e.templateId, e.params, e.fields, e.level ?? null, e.time ?? null];
  h.update(`${JSON.stringify(row)}\n`);
}

// The streaming parser over the file as the analyses read it.
async function streamed(file: string, format: string | undefined) {
  const parser = new LogParser(format === undefined ? {} : { format });
  const events = createHash("sha256");
  let lines = 0;
  for await (const batch of readLineArrays(file)) {
    for (const l of batch) addEvent(events, parser.push(l));
    lines += batch.length;
  }
  return { lines, templates: templatesDigest(parser.templates()), events: hex(events) };
}

async function firstLines(file: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readLineArrays(file)) {
    out.push(...batch.slice(0, n - out.length));
    if (out.length >= n) break;
  }
  return out;
}

const rows = [];
try {
  for (const file of named.length > 0 ? named : defaultFiles()) {
    const plain = await streamed(file, undefined);
    const format = detectLogFormat(await firstLines(file, DETECT_SAMPLE)) ?? undefined;
    const detected = format === undefined ? null : await streamed(file, format);
    // parse() keeps every line: only for files that fit comfortably.
    let whole: { templates: string; events: string } | null = null;
    if (plain.lines <= 200_000) {
      const r = parse(readFileSync(file, "utf8").split("\n"));
      const events = createHash("sha256");
      for (const e of r.events) addEvent(events, e);
      whole = { templates: templatesDigest(r.templates), events: hex(events) };
    }
    let tdlz: string | null = null;
    if (compress) {
      const out = join(dir, "out.tdlz");
      await compressFile(file, out, { overwrite: true });
      tdlz = hex(createHash("sha256").update(readFileSync(out)));
    }
    // Named so that two trees' outputs compare line by line.
    const inPackage = relative(join(import.meta.dirname, ".."), file);
    const name = file.startsWith(dir)
      ? basename(file)
      : inPackage.startsWith("..")
        ? file
        : inPackage;
    const row = {
      file: name,
      lines: plain.lines,
      plain,
      format: format ?? null,
      detected,
      whole,
      tdlz,
    };
    rows.push(row);
    if (!json) console.log(JSON.stringify(row));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
