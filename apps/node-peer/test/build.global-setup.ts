// The end-to-end tests run `tidemark` as a user does: the compiled CLI
// (bin/tidemark -> dist/). Build it (and the packages it runs) first;
// turbo's cache makes this cheap when nothing changed.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const r = spawnSync(
    join(repo, "node_modules", ".bin", "turbo"),
    ["run", "build", "--filter=@tidemark/node-peer...", "--output-logs=errors-only"],
    { cwd: repo, encoding: "utf8", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } },
  );
  if (r.status !== 0) throw new Error(`building the CLI failed:\n${r.stdout}\n${r.stderr}`);
}
