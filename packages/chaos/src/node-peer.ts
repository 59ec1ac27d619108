// Command templates for our own peer (apps/node-peer), so `--node-peer`
// needs no quoting. Small Backfill pages make a catch-up take many pages:
// room for a SIGKILL or a reset in the middle of one. Cleartext loopback
// (--insecure-loopback): the fault proxy in between speaks h2c.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { shellQuote } from "./template.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const TIDEMARK = join(repo, "apps", "node-peer", "bin", "tidemark");

export function nodePeerTemplates(
  runner = `${shellQuote(process.execPath)} ${shellQuote(TIDEMARK)}`,
) {
  return {
    initCmd: `${runner} --data {dir} init --library chaos --library-id {library} --name {name}`,
    peerCmd: `${runner} --data {dir} --log-level warn serve --port {port} --insecure-loopback --test-control --page-changes 20`,
  };
}
