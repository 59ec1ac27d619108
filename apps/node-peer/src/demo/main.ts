// Entry of `pnpm demo [-- --files N]`. Exit 0 only when all devices
// converged to identical fingerprints and row counts.
import { Command, CommanderError } from "commander";
import { CliError, ExitCode } from "../errors.js";
import { runDemo } from "./orchestrator.js";
import { killAllChildren } from "./processes.js";

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 10) throw new Error(`expected an integer >= 10, got "${text}"`);
  return n;
}

const program = new Command("tidemark-demo")
  .description("3 real peers on 127.0.0.1 index, sync, crash, recover and converge")
  .option("--files <n>", "files in the generated tree", positiveInt, 50_000)
  .option("--dir <dir>", "work dir (default: a new temp dir, removed at the end unless --keep)")
  .option("--timeout <s>", "seconds to wait for convergence after the restart", positiveInt, 0)
  .option("--kill-at <fraction>", "kill C once it holds this fraction of the first wave", "0.3")
  .option("--keep", "keep the temp dir (tree, data dirs, logs) afterwards")
  .option("--json", "print the result as JSON at the end")
  .exitOverride();

let code: number = ExitCode.Ok;
try {
  // `pnpm demo -- --files N` passes a literal "--" through: drop it.
  const argv = process.argv.slice(2).filter((a) => a !== "--");
  program.parse(argv, { from: "user" });
  const o = program.opts<{
    files: number;
    dir?: string;
    timeout: number;
    killAt: string;
    keep?: boolean;
    json?: boolean;
  }>();
  const result = await runDemo({
    files: o.files,
    dir: o.dir,
    // Scales with the tree: ~60 s + 1 s per 1000 files unless given.
    timeoutS: o.timeout > 0 ? o.timeout : 60 + Math.ceil(o.files / 1000),
    killAt: Number(o.killAt),
    keep: o.keep === true,
    out: process.stdout,
  });
  if (o.json === true) {
    process.stdout.write(
      `${JSON.stringify({ converged: result.converged, totalS: result.totalS, convergeS: result.convergeS, gapRecovery: result.gapRecovery, dir: result.dir, kept: result.kept })}\n`,
    );
  }
  code = result.converged ? ExitCode.Ok : ExitCode.NotConverged;
} catch (err) {
  if (err instanceof CommanderError) {
    code = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  } else {
    const e = CliError.from(err);
    process.stderr.write(`demo failed: ${e.message}\n`);
    if (e.exitCode === ExitCode.Failure && e.cause instanceof Error)
      process.stderr.write(`${e.cause.stack}\n`);
    code = e.exitCode === ExitCode.Ok ? ExitCode.Failure : e.exitCode;
  }
} finally {
  killAllChildren();
}
process.exit(code);
