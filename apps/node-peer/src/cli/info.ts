// `tidemark info`: who this data dir is, without opening the database
// (ids for scripts: `--library-id`, `--device-id`).
import type { Command } from "commander";
import { dataDirPaths, loadConfig, loadPeers, readServeInfo } from "../config/data-dir.js";
import { pidAlive } from "../config/lock.js";
import { commonOptions, printJson, say } from "./common.js";

type InfoFlags = { json?: boolean; libraryId?: boolean; deviceId?: boolean };

export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("this device: ids, names, data dir, log file, and whether a serve runs")
    .option("--library-id", "print only the library id (for scripts)")
    .option("--device-id", "print only the device id (for scripts)")
    .option("--json", "print as JSON")
    .action((flags: InfoFlags, cmd: Command) => {
      const opts = commonOptions(cmd);
      const paths = dataDirPaths(opts.data);
      const config = loadConfig(paths);
      if (flags.libraryId === true) return say(config.libraryId);
      if (flags.deviceId === true) return say(config.deviceId);
      const serve = readServeInfo(paths);
      const running = serve !== undefined && pidAlive(serve.pid) ? serve : undefined;
      const info = {
        dataDir: opts.data,
        deviceId: config.deviceId,
        deviceName: config.deviceName,
        libraryId: config.libraryId,
        libraryName: config.libraryName,
        logFile: paths.logFile,
        locations: config.locations.length,
        peers: loadPeers(paths).length,
        running: running ?? null,
      };
      if (flags.json === true) return printJson(info);
      say(`device    ${info.deviceName} ${info.deviceId}`);
      say(`library   ${info.libraryName} ${info.libraryId}`);
      say(`data dir  ${info.dataDir}`);
      say(`log file  ${info.logFile}`);
      say(`          ${info.locations} location(s), ${info.peers} peer(s)`);
      say(
        running === undefined
          ? "running   nothing (no serve or watch owns this data dir)"
          : `running   ${running.role} pid ${running.pid}${running.url === undefined ? "" : ` on ${running.url}`}, admin port ${running.adminPort}`,
      );
    });
}
