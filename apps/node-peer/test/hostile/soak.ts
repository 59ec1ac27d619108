// `pnpm hostile:soak [-- --messages N --bytes N --lies N --max-list N --seed S --json]`:
// the hostile-peer suite at soak size (thousands of cases, watermark and
// stream lists up to the protocol's 8192). Prints the report; exits 1 on
// the first case that breaks a rule (fast-check prints it and its seed).
import { runHostileSuite } from "./hostile-suite.js";

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const v = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`--${name} must be a non-negative integer\n`);
    process.exit(2);
  }
  return v;
}

const json = process.argv.includes("--json");
const report = await runHostileSuite({
  messages: arg("messages", 2_000),
  bytes: arg("bytes", 3_000),
  lies: arg("lies", 100),
  maxList: arg("max-list", 8_192),
  convergeEvery: arg("converge-every", 50),
  seed: arg("seed", Date.now() % 2 ** 31),
  log: (line) => {
    if (!json) process.stdout.write(`${line}\n`);
  },
});
process.stdout.write(json ? `${JSON.stringify(report)}\n` : `${JSON.stringify(report, null, 2)}\n`);
