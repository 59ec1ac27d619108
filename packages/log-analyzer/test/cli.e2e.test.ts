// End-to-end: the real CLI as a child process on real files. The engine logs
// come from real simulator runs (`pnpm sim --scenario leapfrog --log FILE`,
// the real engine on simulated devices), with and without the known-bad
// `timestampWatermark` variant.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./fixtures/run-cli.js";

const REPO = join(import.meta.dirname, "../../..");
const SIM_CLI = join(REPO, "packages", "simulator", "src", "cli.ts");
const TSX_CLI = createRequire(import.meta.url).resolve("tsx/cli");
const dir = mkdtempSync(join(tmpdir(), "la-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(dir, ...args);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `pnpm sim --scenario leapfrog --seed N [--variant timestampWatermark] --log FILE`, as a real process. */
function sim(seed: number, bad: boolean, log: string, keepGoing = false): Promise<Run> {
  const args = [TSX_CLI, "--conditions=source", SIM_CLI, "--scenario", "leapfrog"];
  args.push("--seed", String(seed), "--log", log);
  if (bad) args.push("--variant", "timestampWatermark");
  if (keepGoing) args.push("--keep-going");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The distinct `event` names of a JSON-lines engine log, read directly (the oracle). */
function events(log: string): Set<string> {
  const out = new Set<string>();
  for (const line of readFileSync(log, "utf8").split("\n")) {
    if (line === "") continue;
    const e = (JSON.parse(line) as { event?: unknown }).event;
    if (typeof e === "string") out.add(e);
  }
  return out;
}

interface DiffJson {
  rows: { status: string; template: string; countA: number; countB: number }[];
  onlyA: number;
  onlyB: number;
}

function diffOf(a: string, b: string): { onlyA: string[]; onlyB: string[]; json: DiffJson } {
  const r = cli("diff", a, b, "--json");
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as DiffJson;
  const pick = (s: string) => json.rows.filter((x) => x.status === s).map((x) => x.template);
  return { onlyA: pick("only-a"), onlyB: pick("only-b"), json };
}

/** Every event name found in only one of the logs must show up as only-in-that-run templates. */
function expectEventOnlyTemplates(only: string[], mine: Set<string>, theirs: Set<string>): void {
  for (const e of mine) {
    if (theirs.has(e)) continue;
    expect(only.filter((t) => t.startsWith(`[${e}] `)).length, `event ${e}`).toBeGreaterThan(0);
  }
}

// Seed 1: the bad variant breaks the cursors-contiguous safety property the
// instant its cursor jumps a gap (exit code 1); run on past it
// (`--keep-going`), the log shows the engine noticing the damage: the
// timestamp watermark swallows the realtime gap that the healthy engine
// pulls, and the later fingerprint mismatch makes it reconcile. Seed 2: the
// run stops at the violation.
const healthy = join(dir, "leapfrog-1.jsonl");
const repaired = join(dir, "leapfrog-1-bad.jsonl");
const healthy2 = join(dir, "leapfrog-2.jsonl");
const broken = join(dir, "leapfrog-2-bad.jsonl");
const runs: Run[] = [];

beforeAll(async () => {
  // Two at a time: four simulator processes at once would only thrash two cores.
  runs.push(...(await Promise.all([sim(1, false, healthy), sim(1, true, repaired, true)])));
  runs.push(...(await Promise.all([sim(2, false, healthy2), sim(2, true, broken)])));
}, 240_000);

// Each test starts real processes (tsx-compiled CLI, gzip, zstd): allow for a busy machine.
describe("tidemark-logs CLI on real simulator logs", { timeout: 180_000 }, () => {
  it("the simulator runs succeed without the bad variant and fail a property with it", () => {
    const [h1, r1, h2, b2] = runs;
    expect(h1?.code, h1?.stderr).toBe(0);
    expect(r1?.code).toBe(1);
    expect(r1?.stdout).toContain("property cursors-contiguous failed");
    expect(r1?.stdout).toContain("--variant timestampWatermark");
    expect(h2?.code, h2?.stderr).toBe(0);
    expect(b2?.code, b2?.stderr).toBe(1);
    expect(b2?.stdout).toContain("property cursors-contiguous failed");
  });

  it("diff shows the gap pull only in the healthy run and the reconcile only in the bad one", () => {
    const { onlyA, onlyB, json } = diffOf(healthy, repaired);
    // The healthy engine holds an out-of-order realtime batch and pulls the gap.
    expect(onlyA.some((t) => t.startsWith("[realtime-gap] "))).toBe(true);
    // The bad engine advanced its cursor past the gap; only the fingerprint
    // check catches it, and recovery runs a reconcile.
    expect(onlyB).toContain("[sync-decision] reconcile: fingerprint-mismatch");
    expect(onlyB.some((t) => t.startsWith("[reconcile-finished] "))).toBe(true);
    // The healthy engine never decides a reconcile of its own (its log does
    // hold the refusals of the simulator's deliberately malformed at-rest
    // Reconcile questions, `[handler-error] reconcile handler failed`).
    const ranReconcile = (t: string) =>
      t.startsWith("[sync-decision] reconcile") || t.startsWith("[reconcile-");
    expect(onlyA.some(ranReconcile)).toBe(false);
    expect(onlyB.some((t) => t.startsWith("[realtime-gap] "))).toBe(false);
    // Oracle: the event names present in one log only, read from the JSON directly.
    const a = events(healthy);
    const b = events(repaired);
    expect(a.has("realtime-gap") && !b.has("realtime-gap")).toBe(true);
    expect(b.has("reconcile-finished") && !a.has("reconcile-finished")).toBe(true);
    expectEventOnlyTemplates(onlyA, a, b);
    expectEventOnlyTemplates(onlyB, b, a);
    // Both runs are mined by one miner, so the shared templates line up.
    const inSync = json.rows.find((x) => x.template === "[sync-decision] nothing: in-sync");
    expect(inSync?.countA).toBeGreaterThan(0);
    expect(inSync?.countB).toBeGreaterThan(0);
  });

  it("diff of a run that fails its property: the gap pull the bad engine never made", () => {
    const { onlyA, onlyB } = diffOf(healthy2, broken);
    expect(onlyA.some((t) => t.startsWith("[realtime-gap] "))).toBe(true);
    expect(events(broken).has("realtime-gap")).toBe(false);
    expectEventOnlyTemplates(onlyA, events(healthy2), events(broken));
    expectEventOnlyTemplates(onlyB, events(broken), events(healthy2));
  });

  it("diff prints a terminal table by default", () => {
    const r = cli("diff", healthy, repaired);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /only-b\s+0\s+\d+\s+\+\d+\s+\[sync-decision\] reconcile: fingerprint-mismatch/,
    );
    expect(r.stdout).toMatch(/only-a\s+\d+\s+0\s+-\d+\s+\[realtime-gap\]/);
  });

  it("anomalies with a baseline lists the bad run's templates that the healthy run lacks", () => {
    const r = cli("anomalies", repaired, "--baseline", healthy, "--json");
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { onlyInFailed: { template: string }[] };
    const failedOnly = j.onlyInFailed.map((t) => t.template).sort();
    expect(failedOnly).toContain("[sync-decision] reconcile: fingerprint-mismatch");
    // The same set as diff's only-b: both come from one shared miner.
    expect(failedOnly).toEqual([...diffOf(healthy, repaired).onlyB].sort());
  });

  it("compress and decompress restore a real engine log byte for byte, compared side by side", () => {
    const out = join(dir, "repaired.tdlz");
    const c = cli("compress", repaired, "-o", out, "--compare", "--json");
    expect(c.code, c.stderr).toBe(0);
    const j = JSON.parse(c.stdout) as {
      lines: number;
      bytesOut: number;
      compare: { label: string; bytes: number | null; missing?: string }[];
    };
    expect(j.lines).toBe(readFileSync(repaired, "utf8").split("\n").length - 1);
    expect(j.compare.map((b) => b.label)).toEqual(["gzip -9", "brotli 11", "zstd -19", "xz -9"]);
    for (const b of j.compare) {
      if (b.bytes === null) expect(b.missing).toMatch(/not installed/);
      // Plain brotli 11 is one of .tdlz's own forms: only the container's bytes on top.
      else
        expect(j.bytesOut, b.label).toBeLessThanOrEqual(
          b.bytes + (b.label === "brotli 11" ? 16 : 0),
        );
    }
    const d = cli("decompress", out, "-o", join(dir, "repaired.log"));
    expect(d.code, d.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, "repaired.log")), readFileSync(repaired))).toBe(0);
  });

  it("condense collapses repeated runs of a real engine log", () => {
    const r = cli("condense", repaired);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("[replica-open] replica opened");
    expect(r.stdout).toMatch(/… ×\d+ lines/);
    const lines = readFileSync(repaired, "utf8").split("\n").length;
    expect(r.stdout.split("\n").length).toBeLessThan(lines);
  });

  it("fails clearly on a missing file and on a bad option", () => {
    const missing = cli("analyze", join(dir, "nope.log"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("[input_unreadable]");
    const bad = cli("compress", healthy, "--quality", "12");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--quality");
    const corrupt = cli("decompress", healthy, "-o", join(dir, "x"));
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain("[corrupt_container]");
  });
});

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
if (CHROMIUM === undefined) {
  console.warn(
    "skipping the headless-Chromium HTML test: no chromium at /usr/bin/chromium (apt-get install -y chromium)",
  );
}

describe.skipIf(CHROMIUM === undefined)("HTML report in headless Chromium", () => {
  it("renders one self-contained page with the timeline chart", () => {
    const html = join(dir, "report.html");
    const r = cli("analyze", repaired, "--html", html);
    expect(r.code, r.stderr).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).not.toMatch(/<script|<link|\ssrc=|url\(http/i);
    const flags = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--user-data-dir=${mkdtempSync(join(dir, "chromium-"))}`,
    ];
    const dom = spawnSync(CHROMIUM as string, [...flags, "--dump-dom", `file://${html}`], {
      encoding: "utf8",
      timeout: 90_000,
    });
    expect(dom.status, dom.stderr).toBe(0);
    expect(dom.stdout).toContain('<svg xmlns="http://www.w3.org/2000/svg" id="timeline"');
    // One lane per simulated device.
    expect((dom.stdout.match(/class="lane"/g) ?? []).length).toBe(2);
    expect(dom.stdout).toContain('class="phase"');
    const png = join(dir, "report.png");
    const shot = spawnSync(
      CHROMIUM as string,
      [...flags, `--screenshot=${png}`, "--window-size=1200,900", `file://${html}`],
      {
        encoding: "utf8",
        timeout: 90_000,
      },
    );
    expect(shot.status, shot.stderr).toBe(0);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(bytes.length).toBeGreaterThan(10_000);
  }, 180_000);
});
