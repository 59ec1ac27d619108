// `pnpm demo`: three real peers on 127.0.0.1, a real directory tree, two
// devices indexing concurrently while syncing, one SIGKILLed mid-stream and
// restarted, then a bounded wait for convergence and a summary.
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError, CliErrorCode } from "../errors.js";
import { shortId } from "../ids.js";
import type { IndexProgress, IndexResult } from "../indexer/index-location.js";
import { bar, formatRate, ProgressLine } from "../progress.js";
import type { StatusReport } from "../status-report.js";
import { allConverged, type DeviceVerdict, judge } from "./convergence.js";
import { DemoDevice } from "./device.js";
import { describeGap, type GapRecovery, measureGapRecovery } from "./gap.js";
import { freePort, installExitHook, removeInBackground, runCli, waitFor } from "./processes.js";
import { type DeviceSummary, recoveryEvents, renderSummary } from "./summary.js";
import { generateTree } from "./tree.js";

export type DemoOptions = {
  readonly files: number;
  readonly dir: string | undefined;
  readonly timeoutS: number;
  /** Fraction of the first wave C must hold before it is killed. */
  readonly killAt: number;
  readonly keepTree: boolean;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean };
};

export type DemoResult = {
  readonly converged: boolean;
  readonly summary: readonly DeviceSummary[];
  readonly totalS: number;
  readonly convergeS: number | undefined;
  readonly dir: string;
  readonly gapRecovery: GapRecovery | undefined;
};

const k = (n: number | bigint) =>
  Number(n) >= 10_000 ? `${(Number(n) / 1000).toFixed(1)}k` : String(n);

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  installExitHook();
  const started = Date.now();
  const say = (line: string) => opts.out.write(`${line}\n`);
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "tidemark-demo-"));
  mkdirSync(dir, { recursive: true });
  say(`tidemark demo: 3 peers, ${opts.files} files, in ${dir}`);

  // 1. A real tree: two halves for the concurrent wave, a tenth more for later.
  const first = Math.floor(opts.files * 0.45);
  const later = opts.files - 2 * first;
  const progress = new ProgressLine(opts.out);
  const tree = join(dir, "tree");
  let made = 0;
  const parts = [
    { path: join(tree, "alpha"), files: first },
    { path: join(tree, "beta"), files: first },
    { path: join(tree, "gamma"), files: later },
  ] as const;
  for (const part of parts) {
    const base = made;
    generateTree({ root: part.path, files: part.files }, (n) => {
      progress.update(`generating tree  ${k(base + n)}/${k(opts.files)} files`);
    });
    made += part.files;
  }
  progress.done(`generated tree   ${k(opts.files)} files in ${elapsed()}`);

  // 2. Three devices, one library.
  const devices = await Promise.all(
    ["A", "B", "C"].map(async (name) => {
      const [port, adminPort] = [await freePort(), await freePort()];
      return new DemoDevice(name, join(dir, "devices", name), port, adminPort);
    }),
  );
  const [a, b, c] = devices as [DemoDevice, DemoDevice, DemoDevice];
  const lib = await a.init("demo");
  await Promise.all([b.init("demo", lib.libraryId), c.init("demo", lib.libraryId)]);
  say(
    `initialised      A ${shortId(a.deviceId)}  B ${shortId(b.deviceId)}  C ${shortId(c.deviceId)}  library ${shortId(lib.libraryId)}`,
  );
  await Promise.all(devices.map((d) => d.start()));
  for (const x of devices) {
    for (const y of devices) if (x !== y) await x.admin.addPeer(y.url);
  }
  say(`serving          ${devices.map((d) => `${d.name} ${d.url}`).join("  ")} (full mesh)`);

  try {
    return await runPhases(
      opts,
      dir,
      devices as [DemoDevice, DemoDevice, DemoDevice],
      parts,
      started,
      progress,
    );
  } finally {
    const t = Date.now();
    await Promise.allSettled(devices.map((d) => d.stop()));
    say(`stopped peers in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    if (!opts.keepTree) removeInBackground(tree);
  }
}

async function statusOf(d: DemoDevice): Promise<StatusReport | undefined> {
  if (!d.running) return undefined;
  try {
    return await d.admin.status(false);
  } catch {
    return undefined;
  }
}

async function runPhases(
  opts: DemoOptions,
  dir: string,
  devices: [DemoDevice, DemoDevice, DemoDevice],
  parts: readonly { path: string; files: number }[],
  started: number,
  progress: ProgressLine,
): Promise<DemoResult> {
  const [a, b, c] = devices;
  const say = (line: string) => opts.out.write(`${line}\n`);
  const secs = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)}s`;
  const idx: Record<string, IndexProgress | undefined> = {};
  const rows: Record<string, bigint> = {};
  // One line: per device a bar of the rows it holds against `target`, and
  // its own indexing progress while it indexes.
  const line = (phase: string, target: number) => {
    const parts = devices.map((d) => {
      const p = idx[d.name];
      const pct =
        p === undefined || p.scanned === 0
          ? ""
          : ` idx ${Math.round((100 * p.committed) / p.scanned)}%`;
      if (!d.running) return `${d.name} down`;
      const held = Number(rows[d.name] ?? 0n);
      return `${d.name} ${bar(held / Math.max(1, target), 10)} ${k(held)}${pct}`;
    });
    progress.update(`${phase.padEnd(13)} ${parts.join("  ")}  ${secs(started)}`);
  };
  const poll = async () => {
    for (const d of devices) {
      const s = await statusOf(d);
      if (s !== undefined) rows[d.name] = BigInt(s.liveRows);
    }
  };

  // 3. Concurrent indexing on A and B while C receives; SIGKILL C mid-stream.
  const [alpha, beta, gamma] = parts as [
    { path: string; files: number },
    { path: string; files: number },
    { path: string; files: number },
  ];
  const wave = alpha.files + beta.files;
  const waveStart = Date.now();
  let indexing = true;
  const indexOn = (d: DemoDevice, path: string) =>
    d.admin.index(path, (p) => {
      idx[d.name] = p;
    });
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
    const graceMs = Math.max(30_000, wave); // ~1 ms per row of the wave, at least 30 s
    if ((rows.C ?? 0n) >= threshold || (doneAt !== undefined && Date.now() - doneAt > graceMs)) {
      killedWith = rows.C ?? 0n;
      await c.kill();
      progress.done(
        `SIGKILL C        mid-stream, C held ${k(killedWith)} of ${k(wave)} rows (${secs(started)})`,
      );
    }
    await Promise.race([both, new Promise((r) => setTimeout(r, 100))]);
  }
  const [resA, resB] = (await both) as [IndexResult, IndexResult];
  progress.done(
    `indexed          A ${k(resA.entries)} + B ${k(resB.entries)} entries concurrently in ${secs(waveStart)} (${formatRate(resA.entries + resB.entries, Date.now() - waveStart, "rows")})`,
  );

  // 4. While C is down, the others write more: A indexes another part, B edits tags.
  idx.B = undefined;
  const resG = await indexOn(a, gamma.path);
  idx.A = undefined;
  const sample = [...resA.sampleEntryIds.slice(0, 3), ...resB.sampleEntryIds.slice(0, 3)];
  await b.admin.tag("favourite", sample, { color: "#ffaa00" });
  await a.admin.tag("archive", sample.slice(0, 2), {});
  await b.admin.tag("archive", sample.slice(0, 1), { remove: true });
  say(`while C was down A indexed ${k(resG.entries)} more entries; A and B edited shared tags`);

  // 5. C's stored state before restart (opened offline by the CLI), then restart.
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
  say(
    `C on disk        ${k(BigInt(before.liveRows))} rows in ${before.streams.length} streams (resumes from these cursors)`,
  );
  const restartAt = Date.now();
  await c.start();
  c.restarts++;
  say(`restarted C      ${secs(started)}`);

  // 6. Bounded wait for convergence; per device, when it first matched every origin.
  const convergedAt: Record<string, number | undefined> = {};
  const timeoutMs = opts.timeoutS * 1000;
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
    timeoutMs,
    250,
  ).catch((err: unknown) => {
    progress.done(`NOT converged after ${opts.timeoutS}s`);
    for (const [i, v] of verdicts.entries()) {
      if (!v.converged)
        say(
          `  ${devices[i]?.name}: ${v.differing.length} streams differ: ${v.differing.slice(0, 4).join(", ")}`,
        );
    }
    if (err instanceof CliError && err.code === CliErrorCode.Timeout) return false;
    throw err;
  });
  const convergeS = ok ? (Date.now() - restartAt) / 1000 : undefined;
  if (ok) progress.done(`converged        ${secs(restartAt)} after C's restart`);

  // 7. Cross-check over the wire: every pair agrees via ExchangeWatermarks.
  let pairwise = ok;
  if (ok) {
    for (const x of devices) {
      for (const y of devices) {
        if (x === y) continue;
        const v = await x.admin.verify(y.deviceId);
        if (!v.converged) {
          pairwise = false;
          say(`verify ${x.name} -> ${y.name}: NOT in sync`);
        }
      }
    }
    say(
      `verified         every pair agrees on every stream (ExchangeWatermarks): ${pairwise ? "yes" : "NO"}`,
    );
  }
  const expectedEntries = resA.entries + resB.entries + resG.entries;
  const summary: DeviceSummary[] = reports.map((report, i) => {
    const d = devices[i] as DemoDevice;
    const verdict = verdicts[i] as DeviceVerdict;
    const at = convergedAt[d.name];
    return {
      name: d.name,
      report,
      verdict,
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
    .reduce((n, s) => n + Number(s.liveCount), 0);
  say("");
  say(renderSummary(summary));
  say("");
  say(`entries indexed ${expectedEntries}, entry rows on each device ${entryRows ?? 0}`);
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
    );
    say(describeGap("C", gapRecovery));
  }
  say("logs:");
  for (const d of devices) say(`  ${d.name}  ${d.logFile}  (terminal: ${d.terminalFile})`);
  const converged = ok && pairwise && entryRows === expectedEntries;
  const totalS = (Date.now() - started) / 1000;
  say(
    `\n${converged ? "CONVERGED ✓" : "NOT CONVERGED ✗"}  total ${totalS.toFixed(1)}s  (data in ${dir})`,
  );
  return { converged, summary, totalS, convergeS, dir, gapRecovery };
}
