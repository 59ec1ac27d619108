// `pnpm demo`: three real peers on 127.0.0.1, a real directory tree, two
// devices indexing concurrently while syncing, one SIGKILLed mid-stream and
// restarted, then a bounded wait for convergence and a summary. Every phase
// prints a line when it starts; the temp dir goes at the end unless --keep.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError, CliErrorCode } from "../errors.js";
import { shortId } from "../ids.js";
import type { IndexResult } from "../indexer/locations.js";
import type { IndexProgress } from "../indexer/scanner.js";
import { bar, formatRate, ProgressLine } from "../progress.js";
import type { StatusReport } from "../status-report.js";
import { allConverged, type DeviceVerdict, judge } from "./convergence.js";
import { DemoDevice } from "./device.js";
import { describeGap, type GapRecovery, measureGapRecovery } from "./gap.js";
import { freePort, installExitHook, runCli, waitFor } from "./processes.js";
import { type DeviceSummary, recoveryEvents, renderSummary } from "./summary.js";
import { generateTree } from "./tree.js";

/** How long verify waits for a pair to settle after convergence (bounded). */
const VERIFY_SETTLE_MS = 20_000;

export type DemoOptions = {
  readonly files: number;
  /** Work dir; a new temp dir when undefined. */
  readonly dir: string | undefined;
  readonly timeoutS: number;
  /** Fraction of the first wave C must hold before it is killed. */
  readonly killAt: number;
  /** Keep the work dir (tree, data dirs, logs) afterwards. */
  readonly keep: boolean;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
};

export type DemoResult = {
  readonly converged: boolean;
  readonly summary: readonly DeviceSummary[];
  readonly totalS: number;
  readonly convergeS: number | undefined;
  readonly dir: string;
  readonly kept: boolean;
  readonly gapRecovery: GapRecovery | undefined;
};

type Part = { readonly path: string; readonly files: number };
type Devices = [DemoDevice, DemoDevice, DemoDevice];

const k = (n: number | bigint) =>
  Number(n) >= 10_000 ? `${(Number(n) / 1000).toFixed(1)}k` : String(n);

class Narrator {
  readonly started = Date.now();
  readonly progress: ProgressLine;

  constructor(private readonly out: DemoOptions["out"]) {
    this.progress = new ProgressLine(out);
  }

  say(line: string): void {
    this.progress.clear();
    this.out.write(`${line}\n`);
  }

  /** A phase starts: one line, with the time since the demo began. */
  phase(text: string): void {
    this.say(`[${this.since(this.started)}] ${text}`);
  }

  since(from: number): string {
    return `${((Date.now() - from) / 1000).toFixed(1)}s`;
  }
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const n = new Narrator(opts.out);
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "tidemark-demo-"));
  // Only a dir we made is ours to delete; --dir is kept.
  const removable = opts.dir === undefined && !opts.keep;
  let removed = false;
  const remove = () => {
    if (!removable || removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  installExitHook(remove);
  mkdirSync(dir, { recursive: true });
  n.say(
    `tidemark demo: 3 peers, ${opts.files} files, in ${dir}${removable ? " (removed at the end; --keep keeps it)" : ""}`,
  );

  const parts = await generate(opts, n, join(dir, "tree"));
  n.phase("initialising devices A, B, C in one library (tidemark init)");
  const devices = (await Promise.all(
    ["A", "B", "C"].map(
      async (name) =>
        new DemoDevice(name, join(dir, "devices", name), await freePort(), await freePort()),
    ),
  )) as Devices;
  const [a, b, c] = devices;
  const lib = await a.init("demo");
  await Promise.all([b.init("demo", lib.libraryId), c.init("demo", lib.libraryId)]);
  n.phase(
    `starting 3 peers (tidemark serve): A ${shortId(a.deviceId)}  B ${shortId(b.deviceId)}  C ${shortId(c.deviceId)}`,
  );
  try {
    await Promise.all(devices.map((d) => d.start()));
    for (const x of devices) {
      for (const y of devices) if (x !== y) await x.addPeer(y);
    }
    n.phase(`serving          ${devices.map((d) => `${d.name} ${d.url}`).join("  ")} (full mesh)`);
    const result = await runPhases(opts, n, devices, parts);
    return { ...result, dir, kept: !removable };
  } finally {
    const t = Date.now();
    await Promise.allSettled(devices.map((d) => d.stop()));
    n.say(`stopped peers in ${n.since(t)}`);
    if (removable) {
      const t2 = Date.now();
      n.say(`removing ${dir} (tree, data dirs, logs; --keep keeps them) …`);
      remove();
      n.say(
        `removed ${dir} in ${n.since(t2)} (run with --keep to keep the tree, data dirs and logs)`,
      );
    } else n.say(`kept ${dir}`);
  }
}

async function generate(opts: DemoOptions, n: Narrator, tree: string): Promise<Part[]> {
  // Two halves for the concurrent wave, a tenth more for later.
  const first = Math.floor(opts.files * 0.45);
  const parts: Part[] = [
    { path: join(tree, "alpha"), files: first },
    { path: join(tree, "beta"), files: first },
    { path: join(tree, "gamma"), files: opts.files - 2 * first },
  ];
  n.phase(`generating a tree of ${k(opts.files)} files in ${tree}`);
  let made = 0;
  for (const part of parts) {
    const base = made;
    generateTree({ root: part.path, files: part.files }, (done) => {
      n.progress.update(
        `generating tree  ${bar((base + done) / opts.files)} ${k(base + done)}/${k(opts.files)} files`,
      );
    });
    made += part.files;
  }
  n.say(`generated tree   ${k(opts.files)} files in ${n.since(n.started)}`);
  return parts;
}

async function statusOf(d: DemoDevice): Promise<StatusReport | undefined> {
  if (!d.running) return undefined;
  try {
    return await d.admin.status({ probe: false });
  } catch {
    return undefined;
  }
}

async function runPhases(
  opts: DemoOptions,
  n: Narrator,
  devices: Devices,
  parts: readonly Part[],
): Promise<Omit<DemoResult, "dir" | "kept">> {
  const [a, b, c] = devices;
  const [alpha, beta, gamma] = parts as [Part, Part, Part];
  const rows: Record<string, bigint> = {};
  // One line: per device a bar of the rows it holds against `target`, and
  // beside it the same two numbers.
  const line = (phase: string, target: number) => {
    const cells = devices.map((d) => {
      if (!d.running) return `${d.name} down`;
      const held = Number(rows[d.name] ?? 0n);
      return `${d.name} ${bar(held / Math.max(1, target), 10)} ${k(held)}/${k(target)}`;
    });
    n.progress.update(`${phase.padEnd(13)} ${cells.join("  ")}  ${n.since(n.started)}`);
  };
  const poll = async () => {
    for (const d of devices) {
      const s = await statusOf(d);
      if (s !== undefined) rows[d.name] = BigInt(s.liveRows);
    }
  };

  // Concurrent indexing on A and B while C receives; SIGKILL C mid-stream.
  const wave = alpha.files + beta.files;
  n.phase(
    `indexing: A indexes alpha (${k(alpha.files)} files) while B indexes beta (${k(beta.files)}); C receives both`,
  );
  const waveStart = Date.now();
  let indexing = true;
  const indexOn = (d: DemoDevice, path: string, onProgress?: (p: IndexProgress) => void) =>
    d.admin.index({ path }, onProgress);
  const both = Promise.all([indexOn(a, alpha.path), indexOn(b, beta.path)]).finally(() => {
    indexing = false;
  });
  let killedWith: bigint | undefined;
  let doneAt: number | undefined;
  // Kill C once it holds `killAt` of the first wave (it is then receiving
  // realtime batches or backfill pages); bounded: at the latest 30 s (or
  // 1 ms per row of the wave) after indexing ended.
  while (killedWith === undefined) {
    await poll();
    line("indexing A+B", wave);
    if (!indexing) doneAt ??= Date.now();
    const threshold = BigInt(Math.floor(wave * opts.killAt));
    const graceMs = Math.max(30_000, wave);
    if ((rows.C ?? 0n) >= threshold || (doneAt !== undefined && Date.now() - doneAt > graceMs)) {
      killedWith = rows.C ?? 0n;
      await c.kill();
      n.phase(`SIGKILL C        mid-stream, C held ${k(killedWith)} of ${k(wave)} rows`);
    }
    await Promise.race([both, new Promise((r) => setTimeout(r, 100))]);
  }
  const [resA, resB] = (await both) as [IndexResult, IndexResult];
  n.say(
    `indexed          A ${k(resA.entries)} + B ${k(resB.entries)} entries concurrently in ${n.since(waveStart)} (${formatRate(resA.entries + resB.entries, Date.now() - waveStart, "rows")})`,
  );

  // While C is down, the others write more: A indexes another part; A and B edit tags.
  n.phase(`while C is down: A indexes gamma (${k(gamma.files)} files); A and B edit shared tags`);
  const resG = await indexOn(a, gamma.path, (p) =>
    n.progress.update(
      `indexing gamma ${bar(p.total === 0 ? 0 : p.done / p.total)} ${p.done}/${p.total}`,
    ),
  );
  // Each device tags what it holds: ids it finds, and (A) a file by its path.
  const pattern = { pattern: "file-0-?.txt", limit: 6 };
  const onB = (await b.admin.find(pattern)).matches.map((e) => e.id);
  await b.admin.tag({ name: "favourite", entries: onB, color: "#ffaa00" });
  const onA = (await a.admin.find(pattern)).matches.map((e) => e.id).slice(0, 2);
  const byPath = (await a.admin.find({ pattern: "file-0-0.txt", limit: 10 })).matches.find((e) =>
    e.path.startsWith(alpha.path),
  );
  const archived = [...onA, ...(byPath === undefined ? [] : [byPath.path])];
  const tagged = await a.admin.tag({ name: "archive", entries: archived });
  const distinct = new Set(tagged.entries.map((e) => e.id)).size;
  // B removes one once it holds A's tag and the entries it is on (as a person on B would).
  await waitFor(
    "B to hold tag archive",
    async () => {
      const tags = await b.admin.tags({});
      return tags.some((t) => t.name === "archive" && t.entries === distinct) ? true : undefined;
    },
    // B first needs the entries A just indexed: on a loaded 2-core CI box
    // that took over 30 s (the full suite runs beside the demo).
    120_000,
    50,
  );
  await b.admin.tag({ name: "archive", entries: onA.slice(0, 1), remove: true });
  n.say(
    `A indexed ${k(resG.entries)} more entries; tags "favourite" and "archive" edited on A and B`,
  );

  // C's stored state before restart (opened offline by the CLI), then restart.
  n.phase("reading C's database offline (tidemark status --no-probe)");
  const offline = await runCli([
    "status",
    "--data",
    c.dataDir,
    "--json",
    "--no-probe",
    "--log-level",
    "silent",
  ]);
  if (offline.code !== 0) {
    throw new CliError(
      CliErrorCode.Internal,
      `offline status of C failed: ${offline.stderr.trim()}`,
    );
  }
  const before = JSON.parse(offline.stdout) as StatusReport;
  n.say(
    `C on disk        ${k(BigInt(before.liveRows))} rows in ${before.streams.length} streams (resumes from these cursors)`,
  );
  const restartAt = Date.now();
  n.phase("restarting C");
  await c.start();
  c.restarts++;
  n.phase(
    `waiting for convergence (at most ${opts.timeoutS}s): every device holds every stream as its origin does`,
  );
  const conv = await converge(opts, n, devices, rows, line, restartAt);
  return summarise(opts, n, devices, { resA, resB, resG }, before, restartAt, conv);
}

type Convergence = {
  readonly ok: boolean;
  readonly reports: StatusReport[];
  readonly verdicts: DeviceVerdict[];
  readonly convergedAt: Record<string, number | undefined>;
  readonly convergeS: number | undefined;
};

async function converge(
  opts: DemoOptions,
  n: Narrator,
  devices: Devices,
  rows: Record<string, bigint>,
  line: (phase: string, target: number) => void,
  restartAt: number,
): Promise<Convergence> {
  const convergedAt: Record<string, number | undefined> = {};
  let reports: StatusReport[] = [];
  let verdicts: DeviceVerdict[] = [];
  const ok = await waitFor(
    "convergence",
    async () => {
      const got = await Promise.all(devices.map(statusOf));
      if (got.some((r) => r === undefined)) return undefined;
      reports = got as StatusReport[];
      verdicts = judge(reports);
      devices.forEach((d, i) => {
        rows[d.name] = verdicts[i]?.rows ?? 0n;
        if (verdicts[i]?.converged === true) convergedAt[d.name] ??= Date.now();
        else convergedAt[d.name] = undefined;
      });
      line("converging", Math.max(...Object.values(rows).map(Number)));
      return allConverged(verdicts) ? true : undefined;
    },
    opts.timeoutS * 1000,
    250,
  ).catch((err: unknown) => {
    n.say(`NOT converged after ${opts.timeoutS}s`);
    for (const [i, v] of verdicts.entries()) {
      if (!v.converged) {
        n.say(
          `  ${devices[i]?.name}: ${v.differing.length} streams differ: ${v.differing.slice(0, 4).join(", ")}`,
        );
      }
    }
    if (err instanceof CliError && err.code === CliErrorCode.Timeout) return false;
    throw err;
  });
  const convergeS = ok ? (Date.now() - restartAt) / 1000 : undefined;
  if (ok) n.say(`converged        ${n.since(restartAt)} after C's restart`);
  return { ok, reports, verdicts, convergedAt, convergeS };
}

async function summarise(
  opts: DemoOptions,
  n: Narrator,
  devices: Devices,
  indexed: { resA: IndexResult; resB: IndexResult; resG: IndexResult },
  before: StatusReport,
  restartAt: number,
  conv: Convergence,
): Promise<Omit<DemoResult, "dir" | "kept">> {
  const [a, , c] = devices;
  const { ok, reports, verdicts, convergedAt, convergeS } = conv;
  // Cross-check over the wire: every pair agrees via ExchangeWatermarks.
  let pairwise = ok;
  if (ok) {
    n.phase("verifying every pair over the wire (ExchangeWatermarks)");
    for (const x of devices) {
      for (const y of devices) {
        if (x === y) continue;
        // A peer that just came back may still sit out a backoff from while it
        // was down (streams already equal): give the pair a bounded moment.
        let v = await x.admin.verify({ peer: y.deviceId });
        const settleBy = Date.now() + VERIFY_SETTLE_MS;
        while (!v.converged && Date.now() < settleBy) {
          await new Promise((r) => setTimeout(r, 500));
          v = await x.admin.verify({ peer: y.deviceId });
        }
        if (!v.converged) {
          pairwise = false;
          n.say(`verify ${x.name} -> ${y.name}: NOT in sync: ${v.peer.reason}`);
        }
      }
    }
    n.say(`verified         every pair agrees on every stream: ${pairwise ? "yes" : "NO"}`);
  }
  const expectedEntries = indexed.resA.entries + indexed.resB.entries + indexed.resG.entries;
  const summary: DeviceSummary[] = reports.map((report, i) => {
    const d = devices[i] as DemoDevice;
    const at = convergedAt[d.name];
    return {
      name: d.name,
      report,
      verdict: verdicts[i] as DeviceVerdict,
      recoveryEvents: recoveryEvents(report.metrics),
      convergedAfterS: at === undefined ? undefined : Math.max(0, (at - restartAt) / 1000),
      note:
        d === c
          ? "SIGKILLed + restarted (wire since restart)"
          : d === a
            ? "indexed alpha, gamma"
            : "indexed beta",
    };
  });
  const entryRows = summary[0]?.report.streams
    .filter((s) => s.resource === "entry")
    .reduce((sum, s) => sum + Number(s.liveCount), 0);
  n.say("");
  n.say(renderSummary(summary));
  n.say("");
  n.say(`entries indexed ${expectedEntries}, entry rows on each device ${entryRows ?? 0}`);
  const cReport = summary[2]?.report;
  let gapRecovery: GapRecovery | undefined;
  if (cReport !== undefined && ok) {
    gapRecovery = await measureGapRecovery(
      before,
      cReport,
      devices.map((d, i) => ({
        deviceId: d.deviceId,
        url: d.url,
        report: reports[i] as StatusReport,
      })),
      await (devices[2] as DemoDevice).identity(),
    );
    n.say(describeGap("C", gapRecovery));
  }
  if (opts.keep || opts.dir !== undefined) {
    n.say("logs:");
    for (const d of devices) n.say(`  ${d.name}  ${d.logFile}  (terminal: ${d.terminalFile})`);
  }
  const converged = ok && pairwise && entryRows === expectedEntries;
  const totalS = (Date.now() - n.started) / 1000;
  n.say(`\n${converged ? "CONVERGED ✓" : "NOT CONVERGED ✗"}  total ${totalS.toFixed(1)}s`);
  return { converged, summary, totalS, convergeS, gapRecovery };
}
