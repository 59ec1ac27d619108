// `tidemark peer add URL` / `peer list`.
import type { Command } from "commander";
import { dataDirPaths, loadConfig, loadPeers } from "../config/data-dir.js";
import { renderTable } from "../table.js";
import { commonOptions, printJson } from "./common.js";
import { withTarget } from "./target.js";

export function registerPeer(program: Command): void {
  const peer = program.command("peer").description("manage the peers this device syncs with");
  peer
    .command("add")
    .description("add a peer by URL; its device id is learned by calling its Hello")
    .argument("<url>", "the peer's SyncService URL, e.g. http://127.0.0.1:7401")
    .option("--json", "print the stored peer as JSON")
    .action(async (url: string, flags: { json?: boolean }, cmd: Command) => {
      const opts = commonOptions(cmd);
      const record = await withTarget(opts, (t) =>
        t.kind === "remote" ? t.admin.addPeer(url) : t.node.addPeerByUrl(url),
      );
      if (flags.json === true) printJson(record);
      else
        process.stdout.write(`added peer ${record.name} (${record.deviceId}) at ${record.url}\n`);
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
      process.stdout.write(
        `${renderTable(
          ["DEVICE", "NAME", "URL", "ADDED"],
          peers.map((p) => [p.deviceId, p.name, p.url, p.addedAt]),
        )}\n`,
      );
    });
}
