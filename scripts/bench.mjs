// `pnpm bench [--filter PKG]... [-- ARGS]`: runs each selected package's
// "bench" script one after another (never in parallel: benchmarks share
// two cores), passing ARGS (e.g. --json) through. PKG may omit the
// @tidemark/ scope, as with pnpm's own --filter.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const filters = [];
const passThrough = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--") {
    passThrough.push(...args.slice(i + 1));
    break;
  }
  if (a === "--filter" || a === "-F") {
    const v = args[++i];
    if (v === undefined) fail("--filter needs a package name");
    filters.push(v);
  } else if (a.startsWith("--filter=")) {
    filters.push(a.slice("--filter=".length));
  } else {
    passThrough.push(a);
  }
}

function fail(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

const packages = ["packages", "apps"].flatMap((root) =>
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(root, d.name);
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      return { dir, name: pkg.name, hasBench: Boolean(pkg.scripts?.bench) };
    }),
);

const matches = (p, f) => p.name === f || p.name.split("/").pop() === f;
const selected = filters.length
  ? filters.map((f) => packages.find((p) => matches(p, f)) ?? fail(`no package named ${f}`))
  : packages.filter((p) => p.hasBench);

let failed = 0;
for (const p of selected) {
  if (!p.hasBench) fail(`${p.name} has no bench script`);
  if (!passThrough.includes("--json")) console.log(`\n== bench ${p.name}`);
  const r = spawnSync("pnpm", ["run", "--silent", "bench", ...passThrough], {
    cwd: p.dir,
    stdio: "inherit",
  });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
