// End-to-end: how the real CLI treats files and paths (issue 17's
// robustness list), each as a real process on real files.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loghubLog, loghubSets } from "./data/index.js";

const BIN = join(import.meta.dirname, "..", "bin", "tidemark-logs.mjs");
const REPO = join(import.meta.dirname, "../../..");
// Made when the tests run, not when the file is collected (`vitest list` runs no hooks).
let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "la-files-"));
});
const sample = loghubLog(loghubSets()[0] as string);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: string[], cwd = dir): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    cwd,
    timeout: 150_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const leftovers = (): string[] => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

describe("tidemark-logs files and paths", { timeout: 180_000 }, () => {
  it("decompress leaves no 0-byte file on corrupt input", () => {
    const good = join(dir, "good.tdlz");
    expect(cli(["compress", sample, "-o", good, "--quality", "5"]).code).toBe(0);
    const bad = join(dir, "bad.tdlz");
    writeFileSync(bad, readFileSync(good).subarray(0, 40));
    const r = cli(["decompress", bad, "-o", join(dir, "bad.log")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("[corrupt_container]");
    expect(existsSync(join(dir, "bad.log"))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("decompress and compress refuse to overwrite an existing file without --force", () => {
    const packed = join(dir, "keep.tdlz");
    const target = join(dir, "keep.log");
    expect(cli(["compress", sample, "-o", packed, "--quality", "5"]).code).toBe(0);
    writeFileSync(target, "precious");
    const refused = cli(["decompress", packed, "-o", target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("[output_exists]");
    expect(refused.stderr).toContain("--force");
    expect(readFileSync(target, "utf8")).toBe("precious");
    const again = cli(["compress", sample, "-o", packed]);
    expect(again.stderr).toContain("[output_exists]");
    const forced = cli(["decompress", packed, "-o", target, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(target), readFileSync(sample))).toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it("--force never writes a file over its own input, under any name", () => {
    const log = join(dir, "self.log");
    writeFileSync(log, "a 1\nb 2\n");
    const packed = join(dir, "self.log.tdlz");
    expect(cli(["compress", log, "--quality", "5"]).code).toBe(0);
    const before = readFileSync(packed);
    symlinkSync(packed, join(dir, "self-link.tdlz"));
    const runs = [
      cli(["compress", log, "-o", log, "--force"]),
      cli(["decompress", packed, "-o", join(dir, "self-link.tdlz"), "--force"]),
    ];
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("is the input file");
    }
    expect(readFileSync(log, "utf8")).toBe("a 1\nb 2\n");
    expect(Buffer.compare(readFileSync(packed), before)).toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it("option values that make no sense (a negative --gap, --top 1.5) are refused with exit 2", () => {
    const bad = [
      ["timeline", sample, "--gap", "-1"],
      ["timeline", sample, "--gap", "0"],
      ["analyze", sample, "--top", "1.5"],
      ["analyze", sample, "--top", ""],
      ["anomalies", sample, "--loop-repeats", "1"],
      ["anomalies", sample, "--burst-window", "-5"],
      ["diff", sample, sample, "--min-ratio", "0.5"],
      ["compress", sample, "-o", join(dir, "q.tdlz"), "--quality", "12"],
    ];
    for (const args of bad) {
      const r = cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
    }
    expect(existsSync(join(dir, "q.tdlz"))).toBe(false);
  });

  it("line counts off by one: compress counts lines as wc -l does, plus an unterminated last line", () => {
    const cases: [string, number][] = [
      ["", 0],
      ["\n", 1],
      ["a\nb\n", 2],
      ["a\nb", 2],
      ["a\r\nb\r\n", 2],
    ];
    for (const [text, lines] of cases) {
      const f = join(dir, `count-${lines}-${text.length}.log`);
      writeFileSync(f, text);
      const r = cli(["compress", f, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { lines: number }).lines, JSON.stringify(text)).toBe(lines);
    }
  });

  it("a config with a wrong value or a misspelled key is refused before any work (exit 2)", () => {
    const cfg = join(dir, "bad-config.json");
    writeFileSync(cfg, JSON.stringify({ miner: { similarity: "high", prefixDeph: 3 } }));
    const r = cli(["analyze", sample, "--config", cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("[invalid_config]");
    expect(r.stderr).toContain('miner.similarity must be a number from 0 to 1, got "high"');
    expect(r.stderr).toContain('miner.prefixDeph unknown key (did you mean "prefixDepth"?)');
  });

  it("an interrupted compress leaves neither its output nor a temporary file", async () => {
    const big = join(dir, "big.log");
    const one = readFileSync(sample);
    writeFileSync(big, Buffer.concat(Array.from({ length: 40 }, () => one)));
    const child = spawn(process.execPath, [BIN, "compress", big, "-o", join(dir, "big.tdlz")], {
      cwd: dir,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    // Interrupt once the temporary output exists (bounded: 60 s).
    for (let i = 0; i < 600 && leftovers().length === 0 && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(existsSync(join(dir, "big.tdlz"))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("analyze of an 8 MB single line runs in a 256 MB heap and keeps the line whole (huge-line-memory-blowup)", () => {
    // Before, the line became a template of 1.6M positions: 2.3 GB of memory.
    const words = Array.from({ length: 800_000 }, (_, i) => `w${i % 50} ${i}`).join(" ");
    const path = join(dir, "huge-line.log");
    writeFileSync(path, `${words}\nshort line 1\n`);
    const r = spawnSync(
      process.execPath,
      ["--max-old-space-size=256", BIN, "analyze", path, "--json"],
      {
        encoding: "utf8",
        cwd: dir,
        timeout: 150_000,
        maxBuffer: 64 << 20,
      },
    );
    expect(r.stderr).toContain("1 message had over 1,024 words or 65,536 characters");
    expect(r.stderr).toContain(`${path}:1)`);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { lines: number; templates: { template: string }[] };
    expect(report.lines).toBe(2);
    expect(report.templates.map((t) => t.template.split(" ").length).sort((a, b) => a - b)).toEqual(
      [3, 1025],
    );
    expect(report.templates.some((t) => t.template.endsWith(" <rest>"))).toBe(true);
  });
});

// `pnpm logs` from a directory that is not a package: only a real pnpm shows
// which directory the CLI is given. `pnpm test` puts pnpm on PATH.
const hasPnpm = spawnSync("pnpm", ["--version"], { stdio: "ignore" }).status === 0;
if (!hasPnpm) console.warn("skipping the `pnpm logs` path test: pnpm is not on PATH");

describe.skipIf(!hasPnpm)("pnpm logs", { timeout: 180_000 }, () => {
  it("resolves relative paths against the directory it was typed in, not the workspace root", () => {
    const results = join(REPO, ".test-results");
    mkdirSync(results, { recursive: true });
    const sub = mkdtempSync(join(results, "cwd-"));
    try {
      writeFileSync(join(sub, "rel.log"), "x 1\nx 2\n");
      const r = spawnSync("pnpm", ["--silent", "logs", "compress", "rel.log", "--json"], {
        cwd: sub,
        encoding: "utf8",
        timeout: 150_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { output: string };
      expect(j.output).toBe(join(sub, "rel.log.tdlz"));
      expect(existsSync(join(sub, "rel.log.tdlz"))).toBe(true);
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  });
});
