#!/usr/bin/env node
// `tidemark` launcher: runs the TypeScript CLI with tsx and the workspace's
// "source" condition, in ONE process (no wrapper child), so signals such as
// SIGINT/SIGTERM/SIGKILL reach the peer itself.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsx = pathToFileURL(
  join(dirname(require.resolve("tsx/package.json")), "dist/loader.mjs"),
).href;
const main = join(here, "..", "src", "cli", "main.ts");

if (process.env.TIDEMARK_BIN_CHILD === "1") {
  await import(pathToFileURL(main).href);
} else {
  // Re-exec with the flags tsx and the source condition need; stdio and
  // the exit code pass straight through.
  const r = spawnSync(
    process.execPath,
    ["--conditions=source", "--import", tsx, main, ...process.argv.slice(2)],
    { stdio: "inherit", env: { ...process.env, TIDEMARK_BIN_CHILD: "1" } },
  );
  process.exit(r.status ?? (r.signal === null ? 1 : 128));
}
