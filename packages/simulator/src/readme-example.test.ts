// The README's adapter example, copied verbatim from the README, runs the
// property suite through `pnpm sim:suite` (a real process) and passes: the
// example a user copies is the example that is tested.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");

test("the README's adapter example runs the property suite and passes", () => {
  const readme = readFileSync(join(pkgDir, "README.md"), "utf8");
  const block = /<!-- example:adapter -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toContain("export const adapter");
  // Inside the package, so `@tidemark/simulator` resolves as it does for a dependent.
  const file = join(pkgDir, `.readme-adapter-${process.pid}.ts`);
  writeFileSync(file, block as string);
  try {
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx/esm",
        "--conditions=source",
        "src/suite-cli.ts",
        "--runs",
        "2",
        "--no-variants",
        // A spread of mechanisms: scenarios.test.ts runs every named one; all of
        // them through a spawned process outgrew this test's time at load.
        "--scenarios",
        "leapfrog,late-joiner,partition-heal,restore-then-write,lying-relay,range-only-peers",
      ],
      {
        cwd: pkgDir,
        encoding: "utf8",
        timeout: 240_000,
        env: { ...process.env, INIT_CWD: pkgDir, TIDEMARK_ENGINE_ADAPTER: file },
      },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("suite: my-engine, seed 1");
    expect(r.stdout).toMatch(/ok {3}named\/leapfrog: every property held/);
    expect(r.stdout).toMatch(/ok {3}random\/2: 2 scenarios, every property held/);
    expect(r.stdout).toContain("suite: every check passed");
    expect(r.status).toBe(0);
  } finally {
    rmSync(file, { force: true });
  }
}, 300_000);
