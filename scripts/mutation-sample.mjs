#!/usr/bin/env node
// `pnpm mutation:sample`: a sampled StrykerJS mutation score per module.
//
// A full `pnpm mutation` run is 2,000+ mutants, many hours on 2 cores. This
// script estimates each module's score from a uniform random sample instead:
//   1. enumerate every mutant of the chosen files with Stryker's `command`
//      runner and a command that exits 0 at once (every mutant "survives" in
//      milliseconds; the json report lists them all);
//   2. draw N per module with a printed, fixed seed;
//   3. run the real config (vitest runner, the simulator's profile) on the
//      drawn mutants only, through exact `mutate` location ranges;
//   4. report killed / timeout / survived / no coverage per module, the
//      estimate with a 95% Wilson interval, and every surviving drawn mutant.
// Run from the repository root. See packages/simulator/README.md ("Sampled
// modules") for usage and the figures it produced.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const E = "packages/engine/src";
const RECONCILE_MEASURED = ["split", "range-walk", "test-sets"];
/** The modules sampled for issue 11 (most never measured whole), one group each. */
const DEFAULT_GROUPS = {
  applier: [`${E}/store/applier.ts`],
  recovery: [`${E}/sync/recovery.ts`],
  inbox: [`${E}/sync/inbox.ts`],
  outbox: [`${E}/sync/outbox.ts`],
  "peer-sync": [`${E}/sync/peer-sync.ts`],
  // Measured whole by lane mut-depbuf (71.9%); sampled again since.
  "dep-buffer": [`${E}/store/dep-buffer.ts`],
  // Lines 73–141 were measured whole by lane mut-serve: the rest only.
  serve: [`${E}/store/serve.ts:1-72`, `${E}/store/serve.ts:142-9999`],
  // Lines 73–141, sampled on their own so serve's two parts can be re-measured
  // on one commit (serve.ts changed since lane mut-serve's whole-range run).
  "serve-73-141": [`${E}/store/serve.ts:73-141`],
  // Measured whole by earlier lanes; sampled so every module can be measured
  // again on one commit (a module of 30 mutants or fewer is drawn whole).
  decide: [`${E}/sync/decide.ts`],
  hlc: [`${E}/hlc/hlc.ts`],
  tree: [`${E}/store/tree.ts`],
  backoff: [`${E}/sync/backoff.ts`],
  "range-walk": [`${E}/reconcile/range-walk.ts`],
  split: [`${E}/reconcile/split.ts`],
  "reconcile-rest": readdirSync(`${E}/reconcile`)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .filter((f) => !RECONCILE_MEASURED.includes(f.slice(0, -3)))
    .map((f) => `${E}/reconcile/${f}`),
  // Coded symbols (PROTOCOL §7.9): how our peers reconcile with each other.
  // Not in stryker.config.mjs's glob (reconcile/*.ts), measured here only.
  riblt: readdirSync(`${E}/reconcile/riblt`)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => `${E}/reconcile/riblt/${f}`),
};

const USAGE = `usage: node scripts/mutation-sample.mjs [options]
  --seed N          sampling seed (default 20261206; printed)
  --per-module N    mutants drawn per module (default 30)
  --files a,b       one module per file (path[:startLine-endLine]) instead of the defaults
  --only g1,g2      run only these modules of the sample (same draw as a full run)
  --equivalent F    survivors judged equivalent, a JSON list of
                    {file,line,column,mutatorName,replacement,reason}
                    (default scripts/mutation-sample.equivalent.json)
  --report-only     do not run Stryker; report from the runs already made
  --concurrency N   Stryker's concurrency (default: 2 if load < 3, else 1)
  --reuse           keep an earlier run's verdicts where Stryker sees the mutated
                    file and the profile unchanged (it does not see the simulator's
                    own sources: without this flag every drawn mutant runs afresh)
  --json            print the report as JSON
  --markdown        print the table and the survivors as Markdown (for the README)`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      seed: { type: "string", default: "20261206" },
      "per-module": { type: "string", default: "30" },
      files: { type: "string" },
      only: { type: "string" },
      equivalent: { type: "string", default: "scripts/mutation-sample.equivalent.json" },
      "report-only": { type: "boolean", default: false },
      concurrency: { type: "string" },
      reuse: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      markdown: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const groups = values.files
    ? Object.fromEntries(values.files.split(",").map((f) => [f, [f]]))
    : DEFAULT_GROUPS;
  const only = values.only ? values.only.split(",") : Object.keys(groups);
  for (const g of only) if (!groups[g]) throw new Error(`unknown module ${g}`);
  return {
    seed: Number(values.seed),
    perModule: Number(values["per-module"]),
    groups,
    only,
    equivalent: values.equivalent,
    reportOnly: values["report-only"],
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    reuse: values.reuse,
    json: values.json,
    markdown: values.markdown,
  };
}

/** Splits `path:start-end` into the path and a 1-based inclusive line range. */
function parseSpec(spec) {
  const m = /^(.*?):(\d+)-(\d+)$/.exec(spec);
  return m
    ? { file: m[1], from: Number(m[2]), to: Number(m[3]) }
    : { file: spec, from: 1, to: 1e9 };
}

/** Runs a command, echoing Stryker's progress lines (they end in \r) as lines. */
function run(cmd, args, logFile) {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const log = [];
    let last = "";
    const onData = (chunk) => {
      const text = chunk.toString();
      log.push(text);
      for (const line of text.split(/[\r\n]+/)) {
        // The progress bar redraws every few seconds: print a count once.
        const count = / \d+\/\d+ tested.*/.exec(line)?.[0];
        if (count === last) continue;
        if (count) last = count;
        if (/tested|Initial test run|ERROR|WARN|Found \d+ of/.test(line)) {
          process.stderr.write(`  [stryker] ${line.trim().slice(0, 160)}\n`);
        }
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", fail);
    child.on("close", (code) => {
      writeFileSync(logFile, log.join(""));
      if (code === 0) done();
      else fail(new Error(`${cmd} exited ${code}; log in ${logFile}`));
    });
  });
}

/**
 * Writes a Stryker config that extends the repository's and runs it. Its own
 * temp dir, so a run never touches another run's sandbox (and `.stryker-tmp`
 * is ignored, so no sandbox copies another).
 */
async function stryker(dir, name, overrides, concurrency) {
  const config = join(dir, `${name}.config.mjs`);
  const settings = {
    ...overrides,
    tempDirName: `.stryker-tmp-sample-${name}`,
    ignorePatterns: ["reports", ".test-results", ".turbo", "dist", ".stryker-tmp*"],
    jsonReporter: { fileName: join(dir, `${name}.json`) },
    // event-recorder writes each mutant's result as it lands: survivors can
    // be read (and judged) while a long run goes on.
    reporters: ["json", "progress", "event-recorder"],
    eventReporter: { baseDir: join(dir, `${name}-events`) },
  };
  writeFileSync(
    config,
    `import base from ${JSON.stringify(resolve("stryker.config.mjs"))};\n` +
      `export default { ...base, ...${JSON.stringify(settings, null, 2)} };\n`,
  );
  const args = ["-n", "10", "npx", "stryker", "run", config, "--concurrency", String(concurrency)];
  try {
    await run("nice", args, join(dir, `${name}.log`));
  } finally {
    rmSync(settings.tempDirName, { recursive: true, force: true });
  }
  return JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
}

/** Every mutant of the files, cheaply: a test command that passes at once. */
async function enumerate(dir, files, name = "enumerate") {
  return await stryker(
    dir,
    name,
    {
      mutate: files,
      testRunner: "command",
      commandRunner: { command: "node -e 0" },
      // No install: `node -e 0` needs none, and no mutant is really judged.
      buildCommand: "node -e 0",
      coverageAnalysis: "off",
      ignoreStatic: false,
      incremental: false,
    },
    2,
  );
}

/** The report's mutants as flat records; locations stay 1-based, as reported. */
function flatten(report) {
  return Object.entries(report.files).flatMap(([file, f]) =>
    f.mutants.map((m) => ({
      file,
      line: m.location.start.line,
      column: m.location.start.column,
      endLine: m.location.end.line,
      endColumn: m.location.end.column,
      mutatorName: m.mutatorName,
      replacement: m.replacement,
      original: textAt(f.source, m.location),
      status: m.status,
      statusReason: m.statusReason,
    })),
  );
}

/** The original code a mutant replaces (report locations: 1-based, end exclusive). */
function textAt(source, { start, end }) {
  const lines = source.split("\n").slice(start.line - 1, end.line);
  lines[lines.length - 1] = lines[lines.length - 1].slice(0, end.column - 1);
  lines[0] = lines[0].slice(start.column - 1);
  return lines.join("\n");
}

/** What identifies a mutant across runs (ids are per run). */
const keyOf = (m) => `${m.file}:${m.line}:${m.column}:${m.mutatorName}:${m.replacement}`;
/**
 * A result's key: keyOf plus where the mutant ends. Two mutants may share
 * keyOf (`a !== b` as true, and `a !== b && c` as true, both start at a);
 * matched by keyOf alone, one's verdict was read for both. The draw and
 * the equivalents keep keyOf, so a draw is the same as before.
 */
const resultKeyOf = (m) => `${keyOf(m)}:${m.endLine}:${m.endColumn}`;

/** mulberry32: a small seeded PRNG, so a draw is reproducible from its seed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draws n of a module's mutants uniformly without replacement (a partial
 * Fisher-Yates). The stream depends on the seed and the module's name only,
 * so `--only` draws the same mutants a full run would.
 */
function draw(mutants, n, seed, group) {
  const salt = createHash("sha256").update(group).digest().readUInt32LE(0);
  const rand = prng(seed ^ salt);
  const pool = [...mutants].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  const k = Math.min(n, pool.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k);
}

function inGroup(m, specs) {
  return specs.map(parseSpec).some((s) => s.file === m.file && m.line >= s.from && m.line <= s.to);
}

/**
 * Stryker's range: 1-based lines, 0-based columns, end column included.
 * The report's columns are 1-based with the end exclusive, so both shift
 * by one. A range also holds the mutants nested inside the drawn one.
 */
const rangeOf = (m) => `${m.file}:${m.line}:${m.column - 1}-${m.endLine}:${m.endColumn - 1}`;

/**
 * A range also holds every mutant nested inside the drawn one (a block's
 * statements), each a profile run. This ignorer plugin (Stryker's `ignorers`)
 * marks a node Ignored when its span holds no drawn mutant: nested extras are
 * then not run. Babel locations: 1-based lines, 0-based columns.
 */
function writeIgnorer(file, drawn) {
  const spans = drawn.map((m) => [m.line, m.column - 1, m.endLine, m.endColumn - 1]);
  const source = `// Generated by scripts/mutation-sample.mjs.
const spans = ${JSON.stringify(spans)};
const before = (l1, c1, l2, c2) => l1 < l2 || (l1 === l2 && c1 <= c2);
const holds = ({ start: s, end: e }, [sl, sc, el, ec]) =>
  before(s.line, s.column, sl, sc) && before(el, ec, e.line, e.column);
export const strykerPlugins = [{ kind: "Ignore", name: "sample-only", value: {
  shouldIgnore: (path) => path.node.loc && !spans.some((span) => holds(path.node.loc, span))
    ? "not drawn (mutation-sample)" : undefined,
} }];
`;
  writeFileSync(file, source);
}

/** Runs the real config on the drawn mutants of the given modules. */
async function judge(dir, sample, only, concurrency, reuse) {
  const drawn = only.flatMap((g) => sample[g]);
  const name = `run-${only.join("+")}`;
  process.stderr.write(`running ${drawn.length} drawn mutants (${only.join(", ")}), `);
  process.stderr.write(`concurrency ${concurrency}, load ${loadavg()[0].toFixed(1)}\n`);
  const started = Date.now();
  const ignorer = resolve(dir, `${name}.ignorer.mjs`);
  writeIgnorer(ignorer, drawn);
  const report = await stryker(
    dir,
    name,
    {
      mutate: drawn.map(rangeOf),
      plugins: ["@stryker-mutator/vitest-runner", ignorer],
      ignorers: ["sample-only"],
      // A property added in src/properties changes no file Stryker tracks:
      // reused verdicts would be stale, so only --reuse keeps them.
      incremental: reuse,
      incrementalFile: join(dir, `${name}.incremental.json`),
    },
    concurrency,
  );
  const minutes = (Date.now() - started) / 60_000;
  const meta = { modules: only, minutes, loadEnd: loadavg()[0], at: new Date().toISOString() };
  writeFileSync(join(dir, `${name}.meta.json`), JSON.stringify(meta, null, 2));
  const ran = flatten(report);
  const keys = new Set(drawn.map(resultKeyOf));
  const extra = ran.filter((m) => !keys.has(resultKeyOf(m)) && m.status !== "Ignored");
  const missing = drawn.filter((m) => !ran.some((r) => resultKeyOf(r) === resultKeyOf(m)));
  process.stderr.write(`${ran.length} mutants ran in ${minutes.toFixed(1)} min: `);
  process.stderr.write(
    `${extra.length} nested extras (ignored), ${missing.length} drawn missing\n`,
  );
  if (missing.length > 0) throw new Error(`drawn mutants not run: ${missing.map(keyOf)}`);
}

/** 95% Wilson score interval for k successes out of n. */
function wilson(k, n) {
  if (n === 0) return [0, 1];
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/** Results of every run made for this draw, by mutant key (latest wins). */
function results(dir) {
  const byKey = new Map();
  const runs = readdirSync(dir).filter((f) => /^run-[^.]*\.json$/.test(f));
  // Sorted by time, so a later re-run (e.g. of timeouts) overrides.
  const time = (f) => JSON.parse(readFileSync(join(dir, f.replace(".json", ".meta.json")))).at;
  for (const f of runs.sort((a, b) => (time(a) < time(b) ? -1 : 1))) {
    for (const m of flatten(JSON.parse(readFileSync(join(dir, f), "utf8"))))
      byKey.set(resultKeyOf(m), m);
  }
  return { byKey, runs };
}

function tally(group, drawn, total, byKey, equivalent) {
  const row = { module: group, mutants: total, sampled: drawn.length, pending: 0 };
  for (const s of ["Killed", "Timeout", "Survived", "NoCoverage", "Ignored", "Other"]) row[s] = 0;
  row.equivalent = 0;
  row.survivors = [];
  for (const d of drawn) {
    const m = byKey.get(resultKeyOf(d));
    if (!m) {
      row.pending++;
      continue;
    }
    const status = row[m.status] === undefined ? "Other" : m.status;
    row[status]++;
    const eq = equivalent.get(keyOf(d));
    if (eq && (status === "Survived" || status === "NoCoverage")) row.equivalent++;
    if (status === "Survived" || status === "NoCoverage")
      row.survivors.push({ ...m, verdict: eq ? `equivalent: ${eq}` : "gap" });
  }
  // Static mutants (Ignored) are outside the score, as in a full run.
  const n = row.sampled - row.pending - row.Ignored - row.equivalent;
  const detected = row.Killed + row.Timeout;
  row.judged = n;
  row.estimate = n > 0 ? detected / n : null;
  row.interval = wilson(detected, n);
  row.killedOnly = n > 0 ? row.Killed / n : null;
  row.killedInterval = wilson(row.Killed, n);
  return row;
}

const pct = (x) => (x === null ? "—" : `${(100 * x).toFixed(1)}%`);

const interval = ([lo, hi]) => `[${pct(lo)}, ${pct(hi)}]`;

/** The README's form: one table row per module, then one line per survivor. */
function markdown(rows) {
  const head = ["module", "mutants", "sampled", "killed", "timeout", "survived", "no coverage"];
  head.push("static", "judged equivalent", "estimate [95%]", "killed only [95%]");
  console.log(`| ${head.join(" | ")} |\n|${head.map(() => " --- |").join("")}`);
  for (const r of rows) {
    const est = `${r.Killed + r.Timeout} / ${r.judged} = **${pct(r.estimate)}** ${interval(r.interval)}`;
    const cells = [`\`${r.module}\``, r.mutants, r.sampled - r.pending, r.Killed, r.Timeout];
    cells.push(r.Survived, r.NoCoverage, r.Ignored, r.equivalent, est);
    cells.push(`${pct(r.killedOnly)} ${interval(r.killedInterval)}`);
    console.log(`| ${cells.join(" | ")} |`);
  }
  console.log("");
  for (const r of rows) {
    for (const s of r.survivors) {
      const from = s.original.replace(/\s+/g, " ").slice(0, 60);
      const to = s.replacement.replace(/\s+/g, " ").slice(0, 60);
      const where = `${s.file.replace("packages/engine/src/", "")}:${s.line}`;
      console.log(
        `- \`${where}\` ${s.status} ${s.mutatorName}: \`${from}\` → \`${to}\` (${s.verdict})`,
      );
    }
  }
}

function print(rows, opts, dir) {
  console.log(`seed ${opts.seed}, ${opts.perModule} per module; raw reports in ${dir}`);
  console.log(
    "module | mutants | sampled | killed | timeout | survived | no cov | static | equiv | estimate [95%] | killed only",
  );
  for (const r of rows) {
    const [lo, hi] = r.interval;
    console.log(
      [
        r.module,
        r.mutants,
        r.sampled + (r.pending ? ` (${r.pending} not run)` : ""),
        r.Killed,
        r.Timeout,
        r.Survived,
        r.NoCoverage,
        r.Ignored,
        r.equivalent,
        `${r.Killed + r.Timeout}/${r.judged} = ${pct(r.estimate)} [${pct(lo)}, ${pct(hi)}]`,
        `${pct(r.killedOnly)} [${pct(r.killedInterval[0])}, ${pct(r.killedInterval[1])}]`,
      ].join(" | "),
    );
  }
  console.log("\nsurviving drawn mutants:");
  for (const r of rows) {
    for (const s of r.survivors) {
      const from = s.original.trim().replace(/\s+/g, " ").slice(0, 70);
      const to = s.replacement.replace(/\s+/g, " ").slice(0, 70);
      console.log(
        `${s.file}:${s.line} ${s.status} ${s.mutatorName}: ${from} → ${to} (${s.verdict})`,
      );
    }
  }
}

function loadEquivalent(file) {
  const map = new Map();
  if (!existsSync(file)) return map;
  for (const e of JSON.parse(readFileSync(file, "utf8"))) map.set(keyOf(e), e.reason);
  return map;
}

async function main() {
  const opts = parseOptions();
  const dir = join("reports", "mutation", `sample-${opts.seed}`);
  mkdirSync(dir, { recursive: true });
  const specs = Object.values(opts.groups).flat();
  const files = [...new Set(specs.map((s) => parseSpec(s).file))];
  const enumFile = join(dir, "enumerate.json");
  // The enumeration is cached per seed dir: a draw must not change between
  // the runs of one measurement (delete the dir after editing the engine).
  // A cache made for fewer files (a module added since) would draw nothing
  // for the new ones: those are enumerated and merged in. The report omits
  // files without mutants, so the files enumerated are kept beside it.
  const filesFile = join(dir, "enumerate.files.json");
  const cached = existsSync(enumFile) ? JSON.parse(readFileSync(enumFile, "utf8")) : undefined;
  const covered = existsSync(filesFile)
    ? JSON.parse(readFileSync(filesFile, "utf8"))
    : Object.keys(cached?.files ?? {});
  const missing = files.filter((f) => !covered.includes(f));
  let report = cached;
  if (report === undefined) report = await enumerate(dir, files);
  else if (missing.length > 0) {
    console.error(`the cached enumeration lacks ${missing.join(", ")}: enumerating those`);
    const more = await enumerate(dir, missing, "enumerate-more");
    report = { ...report, files: { ...report.files, ...more.files } };
    writeFileSync(enumFile, JSON.stringify(report));
  }
  writeFileSync(filesFile, JSON.stringify([...new Set([...covered, ...files])]));
  const all = flatten(report);
  const sample = {};
  const totals = {};
  for (const [g, gs] of Object.entries(opts.groups)) {
    const mine = all.filter((m) => inGroup(m, gs));
    totals[g] = mine.length;
    sample[g] = draw(mine, opts.perModule, opts.seed, g);
  }
  writeFileSync(join(dir, "sample.json"), JSON.stringify(sample, null, 2));
  console.error(`seed ${opts.seed}: drew ${opts.perModule} per module from ${all.length} mutants`);
  if (!opts.reportOnly) {
    const quiet = loadavg()[0] < 3;
    await judge(dir, sample, opts.only, opts.concurrency ?? (quiet ? 2 : 1), opts.reuse);
  }
  const { byKey } = results(dir);
  const equivalent = loadEquivalent(opts.equivalent);
  const rows = opts.only.map((g) => tally(g, sample[g], totals[g], byKey, equivalent));
  if (opts.json) console.log(JSON.stringify({ seed: opts.seed, perModule: opts.perModule, rows }));
  else if (opts.markdown) markdown(rows);
  else print(rows, opts, dir);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
