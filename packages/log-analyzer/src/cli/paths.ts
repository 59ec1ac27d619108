// Where relative paths on the command line are resolved from.
import { resolve } from "node:path";

// Our own `logs` script (root or package) runs in a package directory; pnpm
// keeps the directory the user typed the command in as INIT_CWD. Any other
// pnpm script that calls the bin wrote its paths relative to its package, so
// INIT_CWD is only for ours.
const OWN_SCRIPT_PACKAGES = new Set(["tidemark", "@tidemark/log-analyzer"]);

/** The directory relative paths mean: where the user typed the command. */
export function userCwd(env: NodeJS.ProcessEnv = process.env): string {
  const ours =
    env.npm_lifecycle_event === "logs" && OWN_SCRIPT_PACKAGES.has(env.npm_package_name ?? "");
  return ours && env.INIT_CWD !== undefined ? env.INIT_CWD : process.cwd();
}

/** `p` resolved against {@link userCwd}; "-" (stdout/stdin) stays as it is. */
export function userPath(p: string, env: NodeJS.ProcessEnv = process.env): string {
  return p === "-" ? p : resolve(userCwd(env), p);
}
