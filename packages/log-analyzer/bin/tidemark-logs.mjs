#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `prepare` on install): it starts in
// about a tenth of a second. When a source file is newer than its compiled
// copy (you are editing src/), runs the TypeScript sources through tsx
// instead, so a stale build never runs.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dist = join(root, "dist");

function built() {
  const stack = [src];
  while (stack.length > 0) {
    const dir = stack.pop();
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) stack.push(path);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) {
        const js = join(dist, relative(src, path)).replace(/\.ts$/, ".js");
        if (!existsSync(js) || statSync(js).mtimeMs < statSync(path).mtimeMs) return false;
      }
    }
  }
  return true;
}

let mod;
if (built()) {
  mod = await import(pathToFileURL(join(dist, "cli", "main.js")).href);
} else {
  if (process.stderr.isTTY) {
    process.stderr.write(
      "tidemark-logs: dist/ is missing or older than src/, running the sources (slower start; `pnpm --filter @tidemark/log-analyzer build` fixes that)\n",
    );
  }
  const { register } = await import("tsx/esm/api");
  register();
  mod = await import(pathToFileURL(join(src, "cli", "main.ts")).href);
}
process.exitCode = await mod.main(process.argv.slice(2));
