// Fails when packages/protocol/src/gen differs from what `buf generate`
// produces from proto/ (protobuf-es does the same in gh-diffcheck.js).
import { execFileSync } from "node:child_process";

const run = (cmd, args) => execFileSync(cmd, args, { stdio: "inherit" });
run("pnpm", ["run", "--silent", "generate"]);
try {
  execFileSync("git", ["diff", "--exit-code", "--stat", "--", "packages/protocol/src/gen"], {
    stdio: "inherit",
  });
  const untracked = execFileSync(
    "git",
    ["ls-files", "--others", "--exclude-standard", "--", "packages/protocol/src/gen"],
    { encoding: "utf8" },
  ).trim();
  if (untracked !== "") {
    console.error(`generated files not committed:\n${untracked}`);
    process.exit(1);
  }
} catch {
  console.error("generated code is stale: run `pnpm generate` and commit the result");
  process.exit(1);
}
console.log("generated code is up to date");
