// End to end, at a small size: real node-peer processes behind the fault
// proxy. The reference peers converge through partitions, drops, resets
// and a SIGKILL mid-Backfill; peers running a known-bad engine variant
// fail with the property and the first differing pair named; a recorded
// schedule replays to the same verdict; Ctrl-C leaves no process behind.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { nodePeerTemplates } from "../src/node-peer.js";
import { runChaos } from "../src/run.js";
import { planSchedule } from "../src/schedule.js";

const BIN = join(import.meta.dirname, "..", "bin", "tidemark-chaos.mjs");
// Plain JS on the packages' dist/ (built by the global setup): a tsx
// loader would compile the sources again at each of the variant's starts.
const VARIANT_ENTRY = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "apps",
  "node-peer",
  "test",
  "support",
  "variant-tidemark.mjs",
);
const out = mkdtempSync(join(tmpdir(), "chaos-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** node-peer with a known-bad replica (test-only entry point), as a --peer-cmd. */
function variantPeerCmd(variant: string): string {
  const runner = `${process.execPath} ${VARIANT_ENTRY} ${variant}`;
  return nodePeerTemplates(runner).peerCmd;
}

function cli(args: readonly string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("tidemark-chaos against node-peer", () => {
  test("3 peers converge under faults including a SIGKILL mid-Backfill", async () => {
    const r = await runChaos({
      schedule: planSchedule({ seed: 1, peers: 3, entries: 80 }),
      ...nodePeerTemplates(),
      outDir: join(out, "ok"),
    });
    expect(r.failures.map((f) => f.detail)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.killsMidBackfill).toBe(1);
    expect(r.cutCalls).toBeGreaterThan(0);
    const trace = readFileSync(r.files.trace, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(trace.some((x) => x.k === "send" && x.rpc === "Backfill")).toBe(true);
    expect(trace.some((x) => x.k === "fault" && x.op === "kill-mid-backfill")).toBe(true);
    expect(readFileSync(r.files.diagram, "utf8")).toContain("<svg");
    expect(existsSync(r.workDir)).toBe(false);
  }, 300_000);

  test("a known-bad variant fails, naming the property and the first differing pair; its schedule replays to the same verdict", () => {
    const peerCmd = variantPeerCmd("missingWatermarkAsMax");
    const { initCmd } = nodePeerTemplates();
    const common = ["--init-cmd", initCmd, "--peer-cmd", peerCmd, "--quiet-ms", "8000"];
    const first = cli([
      ...common,
      "--peers",
      "3",
      "--seed",
      "1",
      "--entries",
      "80",
      "--out",
      join(out, "bad"),
    ]);
    expect(first.code, first.stderr).toBe(1);
    const verdict = /property (\S+) failed \(devices d\d+ vs d\d+\)/.exec(first.stdout);
    expect(verdict, first.stdout).not.toBeNull();
    const again = cli([
      ...common,
      "--schedule",
      join(out, "bad", "schedule.json"),
      "--out",
      join(out, "replay"),
    ]);
    expect(again.code, again.stderr).toBe(1);
    expect(/property (\S+) failed/.exec(again.stdout)?.[1]).toBe(verdict?.[1]);
  }, 600_000);

  test("SIGINT stops every peer and removes the temp dir", async () => {
    const child = spawn(
      process.execPath,
      [BIN, "--node-peer", "--peers", "2", "--seed", "3", "--out", join(out, "int")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    const started = new Promise<string>((resolve) => {
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        const dir = /temp dir (\S+)/.exec(stderr)?.[1];
        if (dir !== undefined && /\] index /.test(stderr)) resolve(dir);
      });
    });
    const workDir = await started;
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, stderr).toBe(130);
    expect(existsSync(workDir)).toBe(false);
    const left = spawnSync("pgrep", ["-f", workDir], { encoding: "utf8" });
    expect(left.stdout.trim()).toBe("");
  }, 300_000);
});
