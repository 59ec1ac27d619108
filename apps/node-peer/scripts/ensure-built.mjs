// Builds what `tidemark` runs — @tidemark/protocol, @tidemark/engine,
// @tidemark/simulator (its probe, for --test-control) and
// this app, compiled by tsc to dist/ — when a package's sources are newer
// than its dist/ (or it has none). Used by bin/tidemark, `pnpm demo` and
// the end-to-end tests' global setup. Plain tsc, no package manager on
// PATH needed; checking costs a few hundred stat calls (~2 ms).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** In dependency order; `out` is a file every build rewrites. */
const PACKAGES = [
  { dir: "packages/protocol", out: "dist/index.js" },
  { dir: "packages/engine", out: "dist/index.js" },
  // For `serve --test-control` only (the probe it serves).
  { dir: "packages/simulator", out: "dist/index.js" },
  { dir: "apps/node-peer", out: "dist/cli/main.js" },
];

function newestSource(dir) {
  let newest = 0;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (d.name.endsWith(".ts") && !d.name.endsWith(".test.ts")) {
      newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

/** Index of the first package to rebuild (it and all after it), or -1. */
export function firstStale() {
  for (const [i, p] of PACKAGES.entries()) {
    const src = join(repo, p.dir, "src");
    const out = join(repo, p.dir, p.out);
    if (!existsSync(src)) continue; // an installed copy: dist/ only
    if (!existsSync(out) || newestSource(src) > statSync(out).mtimeMs) return i;
  }
  return -1;
}

/** Rebuilds what is stale; returns false (after printing why) when tsc fails. */
export function ensureBuilt(say = (line) => process.stderr.write(`${line}\n`)) {
  const from = firstStale();
  if (from < 0) return true;
  const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
  if (!existsSync(tsc)) {
    say("tidemark: not built, and dependencies are not installed");
    say("  hint: run `npx -y pnpm@10.34.9 install --frozen-lockfile` at the repo root first");
    return false;
  }
  for (const p of PACKAGES.slice(from)) {
    say(`tidemark: building ${p.dir} (sources newer than dist/)…`);
    const r = spawnSync(process.execPath, [tsc, "-p", join(repo, p.dir, "tsconfig.build.json")], {
      stdio: ["ignore", 2, 2],
    });
    if (r.status !== 0) {
      say(`tidemark: building ${p.dir} failed (see above)`);
      return false;
    }
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(ensureBuilt() ? 0 : 1);
}
