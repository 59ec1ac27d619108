// `tidemark peer add URL` / `peer remove PEER` / `peer list`.
import type { Command } from "commander";
import { dataDirPaths, loadConfig, loadPeers } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import type { PeerIdentity } from "../peer-handshake.js";
import { renderTable } from "../table.js";
import { commonOptions, printJson, say, seconds } from "./common.js";

type AddFlags = { json?: boolean; wait: string; yes?: boolean };

/**
 * The user's go-ahead for a peer: asked on a terminal, else `--yes` is
 * required (a script states it). A peer already known at that URL needs none.
 */
async function confirm(found: PeerIdentity, known: boolean, yes: boolean): Promise<void> {
  if (yes || known) return;
  const who = `"${found.name}" (device ${found.deviceId}) at ${found.url}`;
  if (process.stdin.isTTY !== true) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `${who} answered; not adding it without confirmation`,
      "add --yes to confirm from a script",
    );
  }
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`add peer ${who} of this library? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new CliError(CliErrorCode.InvalidArgument, "not added: not confirmed");
    }
  } finally {
    rl.close();
  }
}

export function registerPeer(program: Command): void {
  const peer = program.command("peer").description("manage the peers this device syncs with");
  peer
    .command("add")
    .description("add a peer by URL: calls its Hello, shows who answered and asks before adding it")
    .argument("<url>", "the peer's SyncService URL, e.g. http://127.0.0.1:7401")
    .option("--wait <seconds>", "wait this long for the peer to answer (it may be starting)", "10")
    .option("-y, --yes", "add without asking (required when not on a terminal)")
    .option("--json", "print the result as JSON")
    .action(async (url: string, flags: AddFlags, cmd: Command) => {
      const opts = commonOptions(cmd);
      const [{ withApi }, { peerHandshake }] = await Promise.all([
        import("./target.js"),
        import("../peer-handshake.js"),
      ]);
      const paths = dataDirPaths(opts.data);
      const found = await peerHandshake(url, seconds(flags.wait, "--wait"), loadConfig(paths));
      const known = loadPeers(paths).some(
        (p) => p.deviceId === found.deviceId && p.url === found.url,
      );
      await confirm(found, known, flags.yes === true);
      const r = await withApi(opts, "peer add", (api) => api.addPeer(found));
      if (flags.json === true) return printJson(r);
      const who = `${r.peer.name} (${r.peer.deviceId})`;
      if (r.outcome === "known")
        say(`peer ${who} is already known at ${r.peer.url}: nothing changed`);
      else if (r.outcome === "moved") say(`peer ${who} moved: ${r.previousUrl} -> ${r.peer.url}`);
      else say(`added peer ${who} at ${r.peer.url}`);
    });
  peer
    .command("remove")
    .description("stop syncing with a peer (what it wrote stays in the library)")
    .argument("<peer>", "device id (or prefix), name or URL")
    .option("--json", "print the removed peer as JSON")
    .action(async (ref: string, flags: { json?: boolean }, cmd: Command) => {
      const { withApi } = await import("./target.js");
      const r = await withApi(commonOptions(cmd), "peer remove", (api) =>
        api.removePeer({ peer: ref }),
      );
      if (flags.json === true) printJson(r);
      else say(`removed peer ${r.name} (${r.deviceId}) at ${r.url}; its rows stay in the library`);
    });
  peer
    .command("list")
    .description("list known peers")
    .option("--json", "print as JSON")
    .action((flags: { json?: boolean }, cmd: Command) => {
      const paths = dataDirPaths(commonOptions(cmd).data);
      loadConfig(paths);
      const peers = loadPeers(paths);
      if (flags.json === true) return printJson(peers);
      if (peers.length === 0) return say("no peers (add one with `tidemark peer add URL`)");
      say(
        renderTable(
          ["DEVICE", "NAME", "URL", "ADDED"],
          peers.map((p) => [p.deviceId, p.name, p.url, p.addedAt]),
        ),
      );
    });
}
