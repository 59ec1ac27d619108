#!/usr/bin/env node
// `tidemark-conformance`: runs the runner's TypeScript sources with tsx in a
// child node (workspace packages resolve to their sources). Signals are
// passed on, so Ctrl-C still reaches the runner's own clean-up.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const child = spawn(
  process.execPath,
  [
    "--conditions=source",
    "--import",
    import.meta.resolve("tsx"),
    join(root, "src", "cli.ts"),
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", cwd: process.cwd() },
);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 130)));
