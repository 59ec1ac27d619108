// The probe seam holds (DESIGN §9): outside the adapters (which bind one
// implementation) and the engine-test harness, no simulator source opens a
// database, runs SQL, or reaches into an engine. From @tidemark/engine it
// takes only types (the sans-IO ports) and the protocol-level helpers every
// implementation shares: hex ids, stream keys and the fingerprint.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";

const ROOT = import.meta.dirname;
/** Bound to one implementation by design. */
const EXEMPT = [/^adapters\//, /^harness\//];
/** Protocol-level helpers (PROTOCOL.md §6.1 fingerprints, hex ids, stream keys). */
const ALLOWED_ENGINE_VALUES = new Set([
  "idToHex",
  "idFromHex",
  "streamKeyString",
  "fingerprintOf",
  "itemHash",
  "addInto",
  "subInto",
]);

const FORBIDDEN: readonly [string, RegExp][] = [
  ["opens SQLite", /from\s+["']better-sqlite3["']/],
  ["imports engine internals", /from\s+["']@tidemark\/engine\/[^"']+["']/],
  ["imports another package's sources", /from\s+["'](\.\.\/)+(engine|protocol|node-peer)\//],
  [
    "runs SQL",
    /\.prepare\s*\(|\b(SELECT|INSERT|UPDATE|DELETE)\s+(\*|[a-z_]+\s+(FROM|INTO|SET)|FROM)\b/,
  ],
  ["reaches a replica's database", /\.db\b(?!\w)/],
];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** Drops comments so prose may mention what the code must not do. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/** Value (non-type) names imported from the engine's root. */
function engineValues(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(
    /import\s+(type\s+)?\{([^}]*)\}\s+from\s+["']@tidemark\/engine["']/g,
  )) {
    if (m[1] !== undefined) continue;
    for (const part of (m[2] ?? "").split(",")) {
      const name = part.trim();
      if (name === "" || name.startsWith("type ")) continue;
      out.push(name.split(/\s+as\s+/)[0] as string);
    }
  }
  return out;
}

describe("the probe seam", () => {
  const files = sources(ROOT).filter((f) => !EXEMPT.some((re) => re.test(relative(ROOT, f))));

  test("properties, workloads, faults and the kernel see replicas only through the probe", () => {
    expect(files.some((f) => f.includes("properties"))).toBe(true);
    const violations: string[] = [];
    for (const file of files) {
      const text = code(readFileSync(file, "utf8"));
      for (const [what, re] of FORBIDDEN) {
        if (re.test(text)) violations.push(`${relative(ROOT, file)}: ${what}`);
      }
      for (const name of engineValues(text)) {
        if (!ALLOWED_ENGINE_VALUES.has(name))
          violations.push(`${relative(ROOT, file)}: imports ${name} from @tidemark/engine`);
      }
    }
    expect(violations).toEqual([]);
  });

  test("the scanner catches each forbidden form", () => {
    const samples = [
      'import Database from "better-sqlite3";',
      'import { DbInspector } from "@tidemark/engine/testing";',
      'import { openStore } from "../../engine/src/store/store.js";',
      'db.prepare("SELECT id FROM entry")',
      "const rows = node.db;",
    ];
    for (const s of samples)
      expect(
        FORBIDDEN.some(([, re]) => re.test(code(s))),
        s,
      ).toBe(true);
    expect(engineValues('import { openReplica, idToHex } from "@tidemark/engine";')).toEqual([
      "openReplica",
      "idToHex",
    ]);
    expect(engineValues('import type { Ports } from "@tidemark/engine";')).toEqual([]);
  });
});
