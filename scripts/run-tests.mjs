// The whole test suite, as CI runs it: generated code fresh, typecheck,
// lint, buf lint + breaking, then every vitest project in one run. Ends
// with the plain line "N passed, N failed" that CI counts.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";

const steps = [
  ["generated code", "pnpm", ["run", "--silent", "generate:check"]],
  ["typecheck", "pnpm", ["exec", "turbo", "run", "typecheck", "--output-logs=errors-only"]],
  ["lint", "pnpm", ["exec", "biome", "ci", "--colors=off", "."]],
  ["buf lint", "pnpm", ["exec", "buf", "lint"]],
  ["buf breaking", "pnpm", ["run", "--silent", "proto:breaking"]],
];

// Plain output: CI logs are read by people and by scripts.
process.env.NO_COLOR = "1";
process.env.FORCE_COLOR = "0";

let failedSteps = 0;

// The HTML reports (simulator diagram, log timeline) are tested in headless
// Chromium. A fresh machine has none: install Debian's package when we can.
ensureChromium();
function ensureChromium() {
  if (existsSync("/usr/bin/chromium")) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || spawnSync("which", ["apt-get"]).status !== 0) {
    console.warn(
      "== chromium: /usr/bin/chromium missing and apt-get unavailable; browser tests will fail",
    );
    return;
  }
  console.log("\n== installing chromium (apt-get) for the browser tests");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  const r = spawnSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
  if (r.status !== 0) console.warn("== chromium install failed; browser tests will fail");
}
for (const [name, cmd, args] of steps) {
  console.log(`\n== ${name}`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`== ${name} FAILED (exit ${r.status})`);
    failedSteps++;
  }
}

console.log("\n== vitest");
mkdirSync(".test-results", { recursive: true });
const report = ".test-results/vitest.json";
const vitest = spawnSync(
  "pnpm",
  ["exec", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${report}`],
  { stdio: "inherit" },
);

let passed = 0;
let failed = 0;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests;
  failed = (json.numFailedTests ?? 0) + (json.numRuntimeErrorTestSuites ?? 0);
  if (json.numTotalTests === 0) {
    console.error("vitest ran no test");
    failed++;
  }
} catch (err) {
  console.error(`could not read ${report}: ${err}`);
  failed++;
}
// Failed set-up steps count as failures so the closing line never hides them.
failed += failedSteps;
if (vitest.status !== 0 && failed === 0) failed = 1;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
