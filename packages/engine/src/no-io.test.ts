// The engine is sans-IO (DESIGN §6): no wall clock, timers, ambient
// randomness, process access or network/file imports in non-test sources.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";

const ROOT = import.meta.dirname;

const FORBIDDEN: readonly [string, RegExp][] = [
  ["Date.now", /\bDate\.now\s*\(/],
  ["new Date()", /\bnew Date\s*\(\s*\)/],
  ["setTimeout", /\bsetTimeout\s*\(/],
  ["setInterval", /\bsetInterval\s*\(/],
  ["Math.random", /\bMath\.random\s*\(/],
  ["process.", /\bprocess\s*\./],
  [
    "node:http/http2/net/fs/child_process/dgram import",
    /from\s+["'](node:)?(http|http2|https|net|fs|fs\/promises|child_process|dgram|tls)["']/,
  ],
  [
    "require()",
    /\brequire\s*\(\s*["'](node:)?(http|http2|https|net|fs|child_process|dgram|tls)["']/,
  ],
];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".bench.ts"))
      out.push(path);
  }
  return out;
}

/** Drops // and /* comments so prose may name the forbidden calls. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

describe("engine sources are sans-IO", () => {
  const files = sources(ROOT);

  test("there are sources to scan", () => {
    expect(files.length).toBeGreaterThan(10);
  });

  test("no wall clock, timers, Math.random, process or I/O imports outside tests", () => {
    const violations: string[] = [];
    for (const file of files) {
      const lines = code(readFileSync(file, "utf8")).split("\n");
      lines.forEach((line, i) => {
        for (const [what, re] of FORBIDDEN) {
          if (re.test(line)) violations.push(`${relative(ROOT, file)}:${i + 1}: ${what}`);
        }
      });
    }
    expect(violations).toEqual([]);
  });

  test("the scanner catches each forbidden form", () => {
    const samples = [
      "const t = Date.now();",
      "setTimeout(() => {}, 1);",
      "setInterval(f, 5);",
      "const r = Math.random();",
      "if (process.env.X) {}",
      'import { createServer } from "node:http2";',
      'import fs from "fs";',
      'import { spawn } from "node:child_process";',
      'import dgram from "node:dgram";',
      'import net from "node:net";',
    ];
    for (const s of samples)
      expect(
        FORBIDDEN.some(([, re]) => re.test(code(s))),
        s,
      ).toBe(true);
  });
});
