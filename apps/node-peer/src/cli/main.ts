// `tidemark`: the CLI entry point. Every command has --help; failures print
// one clear line (and a hint) on stderr and exit with a code from ExitCode.
import { main } from "./program.js";

const code = await main(process.argv.slice(2));
// Exit now: a closed serve may still hold idle HTTP/2 client sessions.
process.exit(code);
