// Public surface: the CLI as a function, for hosts and test code that
// start a peer in their own process (with injected replica parts).
export { main, type ProgramOptions } from "./cli/program.js";
