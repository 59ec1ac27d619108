// `tidemark`: the program. Every command has --help; failures print one
// clear line (and a hint) on stderr and map to an ExitCode.
import { Command, CommanderError } from "commander";
import { CliError, ExitCode } from "../errors.js";
import { registerIndex } from "./index-cmd.js";
import { registerInit } from "./init.js";
import { registerPeer } from "./peer.js";
import { registerServe } from "./serve.js";
import { registerStatus } from "./status.js";
import { registerTag } from "./tag.js";
import { registerVerify } from "./verify.js";

export function buildProgram(): Command {
  const program = new Command("tidemark")
    .description("a Tidemark peer: a library replicated across your devices, synced over HTTP/2")
    .option("--data <dir>", "data dir of this device (default $TIDEMARK_DATA or ~/.tidemark)")
    .option("--log-level <level>", "terminal log level: debug|info|warn|error|silent", "info")
    .showHelpAfterError()
    .exitOverride();
  registerInit(program);
  registerIndex(program);
  registerServe(program);
  registerPeer(program);
  registerStatus(program);
  registerTag(program);
  registerVerify(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
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
