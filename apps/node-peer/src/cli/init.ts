// `tidemark init`: a new device (and, unless --library-id, a new library).
import type { Command } from "commander";
import {
  createDataDir,
  type DeviceConfig,
  dataDirPaths,
  isInitialised,
  saveConfig,
} from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import { fromHex, toHex, uuidv7 } from "../ids.js";
import { deviceIdFromPublicKeyPem } from "../replica-factory.js";
import { commonOptions, dataFlag, printJson } from "./common.js";

type InitFlags = { library: string; libraryId?: string; name?: string; json?: boolean };

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("create a device: SQLite file, device id and ed25519 key pair in the data dir")
    .requiredOption("--library <name>", "library name (a new library unless --library-id)")
    .option("--library-id <hex>", "join an existing library: its 32-hex-digit id")
    .option("--name <device-name>", "this device's name (default: HOSTNAME-PLATFORM)")
    .option("--json", "print the result as JSON")
    .action(async (flags: InitFlags, cmd: Command) => {
      const opts = commonOptions(cmd);
      const paths = dataDirPaths(opts.data);
      if (isInitialised(paths)) {
        throw new CliError(
          CliErrorCode.AlreadyInitialised,
          `${opts.data} already holds a device`,
          "use another --data dir",
        );
      }
      const { PeerNode, defaultDeviceName } = await import("../peer-node.js");
      const { tryLock, isLock } = await import("../config/lock.js");
      const libraryId =
        flags.libraryId === undefined
          ? toHex(uuidv7())
          : toHex(fromHex(flags.libraryId, "library id"));
      // The device id derives from the key pair made here (PROTOCOL.md).
      const { publicKeyPem } = createDataDir(paths);
      const deviceId = deviceIdFromPublicKeyPem(publicKeyPem);
      const config: DeviceConfig = {
        version: 1,
        libraryId,
        libraryName: flags.library,
        deviceId,
        deviceName: flags.name ?? defaultDeviceName(),
        createdAt: new Date().toISOString(),
        locations: [],
      };
      saveConfig(paths, config);
      const lock = tryLock(paths, "init");
      if (!isLock(lock))
        throw new CliError(CliErrorCode.DataDirBusy, `${opts.data} is in use (pid ${lock.pid})`);
      // Opening the replica creates the schema and the device's own row.
      const node = await PeerNode.open({ dataDir: opts.data, lock, terminalLevel: "warn" });
      await node.close();
      if (flags.json === true) {
        printJson({ dataDir: opts.data, deviceId, libraryId, libraryName: flags.library });
        return;
      }
      const me = dataFlag(opts.data);
      process.stdout.write(
        [
          `initialised device ${config.deviceName} in ${opts.data}`,
          `  device id   ${deviceId}`,
          `  library     ${flags.library} (${libraryId})`,
          `  database    ${paths.db}`,
          `  key pair    ${paths.privateKey} (ed25519)`,
          "",
          "next:",
          `  tidemark ${me}serve --port 7400            # run this device (add --watch to follow its locations)`,
          `  tidemark ${me}index DIR                    # put a directory in the library`,
          "and on another device (or another data dir on this machine):",
          `  tidemark --data OTHER_DIR init --library ${flags.library} --library-id ${libraryId}`,
          `  tidemark --data OTHER_DIR peer add http://THIS_HOST:7400  # asks before adding`,
          "",
        ].join("\n"),
      );
    });
}
