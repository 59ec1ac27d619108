// `pnpm sim:soak` with workers and shards, and `pnpm sim:merge`, as real
// processes: shards cover the seed space exactly once, a known-bad variant's
// failures are listed with replay commands that fail again locally with
// the same trace, and Ctrl-C stops every worker.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { parseReport } from "./report.js";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(join(tmpdir(), "sim-soak-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Out = { code: number | null; stdout: string; stderr: string };

/** Runs a simulator script; `onStderr` may signal the child (Ctrl-C). */
function script(
  file: string,
  args: readonly string[],
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Out> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx/esm", "--conditions=source", file, ...args],
    {
      cwd: pkgDir,
      env: { ...process.env, INIT_CWD: pkgDir },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, child);
  });
  // Bounded: a hung run is killed, and the test fails on its exit code.
  const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const soak = (args: readonly string[], onStderr?: Parameters<typeof script>[2]) =>
  script("src/soak.ts", ["--size", "small", ...args], onStderr);
const merge = (files: readonly string[]) => script("src/soak-merge.ts", files);

describe("pnpm sim:soak --shard / --workers and pnpm sim:merge", () => {
  test("shards 1/2 and 2/2 run the seed space exactly once and merge clean", async () => {
    const a = join(dir, "s1.json");
    const b = join(dir, "s2.json");
    const common = ["--seed", "11", "--runs", "5", "--workers", "2"];
    const [r1, r2] = await Promise.all([
      soak([...common, "--shard", "1/2", "--report", a]),
      soak([...common, "--shard", "2/2", "--report", b]),
    ]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    const ran = [a, b].flatMap((f) =>
      parseReport(readFileSync(f, "utf8"), f).seeds.map((s) => s.index),
    );
    expect(ran.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4]);
    const m = await merge([a, b]);
    expect(m.code, m.stdout + m.stderr).toBe(0);
    expect(m.stdout).toContain("soak: 5 of 5 seeds run");
    expect(m.stdout).toContain("properties: every property held on 5 seed(s)");
    const half = await merge([a]);
    expect(half.code).toBe(1);
    expect(half.stdout).toContain("missing shard reports: 2/2");
  }, 300_000);

  test("a known-bad variant's failures are merged with replays that fail again locally", async () => {
    const a = join(dir, "v1.json");
    const b = join(dir, "v2.json");
    const common = ["--seed", "5", "--runs", "6", "--workers", "2", "--variant", VARIANT];
    const [r1, r2] = await Promise.all([
      soak([...common, "--shard", "1/2", "--report", a]),
      soak([...common, "--shard", "2/2", "--report", b]),
    ]);
    const failed = [a, b].flatMap((f) =>
      parseReport(readFileSync(f, "utf8"), f).seeds.filter((s) => !s.ok),
    );
    expect(failed.length).toBeGreaterThan(0);
    expect([r1.code, r2.code]).toContain(1);
    const m = await merge([a, b]);
    expect(m.code).toBe(1);
    expect(m.stdout).toContain(`FAILED: ${failed.length} seed(s)`);
    for (const f of failed)
      expect(m.stdout).toContain(
        `replay: pnpm sim:soak --seed 5 --only ${f.index} --size small --variant ${VARIANT}`,
      );
    // The first failure, replayed in one process without the shard or workers.
    const first = failed[0];
    if (first === undefined) throw new Error("unreachable");
    const replay = await soak([
      "--seed",
      "5",
      "--only",
      String(first.index),
      "--variant",
      VARIANT,
      "--no-shrink",
    ]);
    expect(replay.code, replay.stdout + replay.stderr).toBe(1);
    expect(replay.stdout).toContain(`sha-256 ${first.traceHash}`);
    expect(replay.stdout).toContain(first.property ?? "?");
  }, 300_000);

  test("Ctrl-C stops every worker: the run exits 130 and reports what finished", async () => {
    const file = join(dir, "int.json");
    let sent = false;
    const t0 = Date.now();
    const r = await soak(
      ["--seed", "3", "--runs", "400", "--workers", "2", "--progress", "1", "--report", file],
      (text, child) => {
        if (!sent && /\d+\/400 seeds/.test(text)) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(Date.now() - t0).toBeLessThan(200_000);
    const report = parseReport(readFileSync(file, "utf8"), file);
    expect(report.stoppedBy).toBe("signal");
    expect(report.seeds.length).toBeGreaterThan(0);
    expect(report.seeds.length).toBeLessThan(400);
  }, 300_000);
});

/** A known-bad engine that small random scenarios catch in a few seeds. */
const VARIANT = "timestampWatermark";
