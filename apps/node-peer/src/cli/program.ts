// `tidemark`: the program. Every command has --help; failures print one
// clear line (and a hint) on stderr and map to an ExitCode. Command
// modules load only light code at start-up: engine, SQLite, Connect and
// pino are imported inside the actions, so `--help` starts fast.
import type { ReplicaParts } from "@tidemark/engine";
import { Command, CommanderError } from "commander";
import { CliError, ExitCode } from "../errors.js";
import { registerId } from "./id.js";
import { registerIndex } from "./index-cmd.js";
import { registerInfo } from "./info.js";
import { registerInit } from "./init.js";
import { registerLocation } from "./location.js";
import { registerLs } from "./ls.js";
import { registerPeer } from "./peer.js";
import { registerServe } from "./serve.js";
import { registerStatus } from "./status.js";
import { registerTag } from "./tag.js";
import { registerVerify } from "./verify.js";
import { registerWatch } from "./watch.js";

/** What a caller may inject into the program (test code: a known-bad replica). */
export type ProgramOptions = {
  readonly replicaParts?: ReplicaParts;
};

export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command("tidemark")
    .description("a Tidemark peer: a library replicated across your devices, synced over HTTP/2")
    .option("--data <dir>", "data dir of this device (default $TIDEMARK_DATA or ~/.tidemark)")
    .option("--log-level <level>", "terminal log level: debug|info|warn|error|silent", "info")
    .showHelpAfterError()
    .exitOverride();
  for (const register of [
    registerInit,
    registerId,
    registerInfo,
    (p: Command) => registerServe(p, options),
    registerPeer,
    registerIndex,
    registerWatch,
    registerLocation,
    registerLs,
    registerTag,
    registerStatus,
    registerVerify,
  ]) {
    register(program);
  }
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    for (const sub of cmd.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

export async function main(argv: readonly string[], options: ProgramOptions = {}): Promise<number> {
  try {
    await buildProgram(options).parseAsync([...argv], { from: "user" });
    return ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed.
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const e = CliError.from(err);
    process.stderr.write(`tidemark: ${e.message}\n`);
    if (e.hint !== undefined) process.stderr.write(`  hint: ${e.hint}\n`);
    if (
      e.exitCode === ExitCode.Failure &&
      e.cause instanceof Error &&
      e.cause.stack !== undefined
    ) {
      process.stderr.write(`${e.cause.stack}\n`);
    }
    return e.exitCode;
  }
}
