// The README's "first hour", run as written: every ```sh block between the
// first-hour markers, in order, in one bash with `set -euo pipefail`. The
// only change: ports 7401/7402 become free ones (other tests run in
// parallel). Then the outputs a person would read are checked, and that
// nothing is left behind (no process on those ports, no temp dir).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { freePort } from "../../src/demo/processes.js";

const app = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const repo = join(app, "..", "..");

/** The walkthrough's shell blocks, in order. */
export function walkthroughBlocks(readme: string): string[] {
  const begin = readme.indexOf("<!-- first-hour:begin -->");
  const end = readme.indexOf("<!-- first-hour:end -->");
  if (begin < 0 || end < begin) throw new Error("README has no first-hour markers");
  const section = readme.slice(begin, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("README first hour", () => {
  test("every command of the walkthrough runs, in order, and does what the text says", async () => {
    const blocks = walkthroughBlocks(readFileSync(join(app, "README.md"), "utf8"));
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    const [p1, p2] = [await freePort(), await freePort()];
    const script = blocks.join("\n").replaceAll("7401", String(p1)).replaceAll("7402", String(p2));
    const tmp = mkdtempSync(join(tmpdir(), "tidemark-walkthrough-"));
    dirs.push(tmp);
    const r = spawnSync(
      "bash",
      [
        "-c",
        // On failure, stop the peers the script started; trace each command to stderr.
        `set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\nset -x\n${script}`,
      ],
      {
        cwd: repo,
        encoding: "utf8",
        timeout: 240_000,
        env: { ...process.env, TMPDIR: tmp, NO_COLOR: "1" },
      },
    );
    if (r.status !== 0) console.error(r.stderr);
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toContain("initialised device laptop");
    // The desktop had not paired the laptop yet: pinned, and the command to run there.
    expect(out).toMatch(/paired \S+ \([0-9a-f]{32}\) at https:/);
    expect(out).toContain("it has not paired this device yet");
    expect(out).toContain("paired laptop");
    expect(out).toContain("indexed   ");
    expect(out).toMatch(/beach\.jpg/);
    expect(out).toContain('tag "holiday" (#0000ff)');
    expect(out).toMatch(/\/photos\/2024\/sunset\.jpg/);
    expect(out).toMatch(/holiday\s+#0000ff\s+1/);
    expect(out).toContain("in sync ✓");
    expect(out).not.toContain("NOT in sync");
    // Every process stopped, its port free; the walkthrough removed its dir.
    expect(await listening(p1)).toBe(false);
    expect(await listening(p2)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  }, 300_000);
});
