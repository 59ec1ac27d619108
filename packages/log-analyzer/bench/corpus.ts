// The files the compression bench measures. Every file of the committed test
// data (and of a `--data` directory) is read where it is; everything else is
// written to a fresh temporary directory (removed by `cleanup`): adversarial
// files made to hit each case .tdlz used to lose on, and real logs from the
// simulator CLI.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { LOGHUB_2K_DIR, loghubLog, loghubSets } from "../test/data/index.js";
import { letters, noise } from "../test/fixtures/noise.js";

export type FileGroup = "loghub" | "data" | "adversarial" | "tiny" | "simulator" | "large";

export interface BenchFile {
  readonly name: string;
  readonly group: FileGroup;
  readonly path: string;
  /** What the file is and why it is here. */
  readonly about: string;
}

export interface Corpus {
  readonly dir: string;
  readonly files: BenchFile[];
  /** Files that could not be made, and why. */
  readonly notes: string[];
  cleanup(): void;
}

const REPO = join(import.meta.dirname, "../../..");
const SIM_CLI = join(REPO, "packages", "simulator", "src", "cli.ts");

// Real engine logs: the simulator CLI as a process (the real engine on simulated devices).
export interface SimulatorRun {
  readonly name: string;
  readonly args: readonly string[];
  readonly about: string;
}

const SIMULATOR_RUNS: readonly SimulatorRun[] = [
  {
    name: "sim-leapfrog.jsonl",
    args: ["--scenario", "leapfrog", "--seed", "1"],
    about: "simulator leapfrog run (pino JSON)",
  },
  {
    name: "sim-leapfrog-bug.jsonl",
    args: [
      "--scenario",
      "leapfrog",
      "--seed",
      "1",
      "--variant",
      "timestampWatermark",
      "--keep-going",
    ],
    about: "simulator leapfrog run with a known-bad engine variant, run past its violation",
  },
  {
    name: "sim-partition-heal.jsonl",
    args: ["--scenario", "partition-heal", "--seed", "1"],
    about: "simulator partition-heal run (pino JSON)",
  },
];

function simulatorLog(dir: string, run: SimulatorRun): string {
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  const path = join(dir, run.name);
  const r = spawnSync(
    process.execPath,
    [tsx, "--conditions=source", SIM_CLI, ...run.args, "--log", path],
    { cwd: REPO, encoding: "utf8", timeout: 300_000 },
  );
  // A run that finds a property violation exits 1 and still writes its log.
  return r.status === 0 || r.status === 1 ? path : `exit ${r.status}: ${r.stderr.slice(-300)}`;
}

// Lines whose three words are drawn at random: almost every line is its own template.
function manyTemplates(lines: number): string {
  const words = letters(6 * 4096, 11).match(/.{6}/g) as string[];
  const pick = noise(8 * lines, 12);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const w = (k: number): string =>
      words[pick.readUInt16LE(8 * i + 2 * k) % words.length] as string;
    const t = `2024-05-01 10:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}`;
    out.push(`${t} INFO ${w(0)} ${w(1)} ${w(2)} id=${pick.readUInt16LE(8 * i + 6)}`);
  }
  return `${out.join("\n")}\n`;
}

// Every regular file under `root`, sorted by path.
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

// The files of `root` as bench files, named by their path under it; a file
// whose bytes are already in the corpus is left out (said in `notes`).
function dataFiles(root: string, label: string, seen: Map<string, string>, notes: string[]) {
  const out: BenchFile[] = [];
  for (const path of filesUnder(root)) {
    const name = `${label}/${relative(root, path)}`;
    const hash = createHash("sha256").update(readFileSync(path)).digest("hex");
    const twin = seen.get(hash);
    if (twin !== undefined) {
      notes.push(`${name} not measured again: the same bytes as ${twin}`);
      continue;
    }
    seen.set(hash, name);
    out.push({ name, group: "data", path, about: `a file of ${label}` });
  }
  return out;
}

/** Where the bench's files come from. */
export interface CorpusOptions {
  /** Simulator runs whose logs are measured (default: three scenarios). */
  readonly simulatorRuns?: readonly SimulatorRun[];
  /** More directories whose every file is measured (e.g. `--data DIR`). */
  readonly dataDirs?: readonly string[];
}

/** Writes the corpus; `progress` hears about slow steps. */
export function buildCorpus(progress: (s: string) => void, opts: CorpusOptions = {}): Corpus {
  const simulatorRuns = opts.simulatorRuns ?? SIMULATOR_RUNS;
  const dir = mkdtempSync(join(tmpdir(), "la-bench-"));
  const files: BenchFile[] = [];
  const notes: string[] = [];
  const add = (name: string, group: FileGroup, data: Buffer | string, about: string): void => {
    const path = join(dir, name);
    writeFileSync(path, data);
    files.push({ name, group, path, about });
  };
  const sets = loghubSets();
  const seen = new Map<string, string>();
  for (const name of sets) {
    const path = loghubLog(name);
    seen.set(createHash("sha256").update(readFileSync(path)).digest("hex"), name);
    files.push({ name, group: "loghub", path, about: "loghub-2k, 2,000 lines" });
  }
  // The rest of the committed test data (labels, notes, licences): text nobody tuned for.
  files.push(...dataFiles(LOGHUB_2K_DIR, "test/data/loghub-2k", seen, notes));
  for (const d of opts.dataDirs ?? []) files.push(...dataFiles(d, basename(d), seen, notes));
  const all = Buffer.concat(sets.map((s) => readFileSync(loghubLog(s))));
  add("random-1MiB.bin", "adversarial", noise(1 << 20), "random bytes: must not grow");
  const copies = Array.from({ length: 24 }, () => all);
  add(
    "replicated.log",
    "adversarial",
    Buffer.concat(copies),
    "the loghub sets 24 times over (several blocks)",
  );
  add(
    "many-templates.log",
    "adversarial",
    manyTemplates(20_000),
    "20,000 lines, nearly one template each",
  );
  const first = (s: string | undefined, n: number): string =>
    s === undefined
      ? ""
      : `${readFileSync(loghubLog(s), "latin1").split("\n").slice(0, n).join("\n")}\n`;
  add("tiny-empty.log", "tiny", "", "an empty file");
  add("tiny-1-line.log", "tiny", first(sets[0], 1), "one line");
  add("tiny-10-lines.log", "tiny", first(sets[1] ?? sets[0], 10), "ten lines");
  for (const run of simulatorRuns) {
    progress(`running the simulator for ${run.name}…`);
    const r = simulatorLog(dir, run);
    if (r === join(dir, run.name))
      files.push({ name: run.name, group: "simulator", path: r, about: run.about });
    else notes.push(`${run.name} not measured: the simulator failed (${r})`);
  }
  const sim = files.find((f) => f.group === "simulator");
  if (sim !== undefined) {
    const line = readFileSync(sim.path, "latin1").split("\n")[0] ?? "";
    add("tiny-1-json-line.log", "tiny", `${line}\n`, "one pino JSON line");
  }
  return { dir, files, notes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
