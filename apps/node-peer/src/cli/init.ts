// `tidemark init`: a new device (and, unless --library-id or --join, a new
// library). Its device id is derived from the ed25519 key made here.
// `--join URL --device-id ID` takes the library from a device already in it,
// once that device has paired this one (the command to run there is printed).
import { hostname } from "node:os";
import type { Command } from "commander";
import {
  createDataDir,
  type DataDirPaths,
  type DeviceConfig,
  dataDirPaths,
  isInitialised,
  type PeerRecord,
  saveConfig,
  savePeers,
} from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import type { DeviceIdentity } from "../identity/device-identity.js";
import { fromHex, toHex, uuidv7 } from "../ids.js";
import { commonOptions, dataFlag, printJson, say, seconds } from "./common.js";

type InitFlags = {
  library?: string;
  libraryId?: string;
  name?: string;
  json?: boolean;
  join?: string;
  deviceId?: string;
  wait: string;
  advertise?: string;
};

type Joined = {
  readonly libraryId: string;
  readonly libraryName: string;
  readonly peer: PeerRecord;
};

export function registerInit(program: Command): void {
  program
    .command("init")
    .description(
      "create a device: ed25519 key pair, certificate and device id, SQLite file; a new library, or --join one",
    )
    .option("--library <name>", "name of a new library (or of the one --library-id names)")
    .option("--library-id <hex>", "join an existing library by its 32-hex-digit id (pair by hand)")
    .option("--join <url>", "join the library of the device at URL (it must pair this one)")
    .option("--device-id <id>", "with --join: that device's id, hex or short form (`tidemark id`)")
    .option("--wait <seconds>", "with --join: how long to wait for it to pair this device", "300")
    .option(
      "--advertise <url>",
      "with --join: the URL this device will serve on (for the printed command)",
    )
    .option("--name <device-name>", "this device's name (default: HOSTNAME-PLATFORM)")
    .option("--json", "print the result as JSON")
    .action(async (flags: InitFlags, cmd: Command) => {
      const opts = commonOptions(cmd);
      const paths = dataDirPaths(opts.data);
      checkFlags(flags);
      if (isInitialised(paths)) {
        throw new CliError(
          CliErrorCode.AlreadyInitialised,
          `${opts.data} already holds a device`,
          "use another --data dir",
        );
      }
      const { PeerNode, defaultDeviceName } = await import("../peer-node.js");
      const { tryLock, isLock } = await import("../config/lock.js");
      const identity = await makeIdentity(paths);
      const deviceName = flags.name ?? defaultDeviceName();
      const joined =
        flags.join === undefined
          ? undefined
          : await join(flags, identity, deviceName, opts.data, flags.json === true);
      const libraryId =
        joined?.libraryId ??
        (flags.libraryId === undefined
          ? toHex(uuidv7())
          : toHex(fromHex(flags.libraryId, "library id")));
      const libraryName = joined?.libraryName ?? flags.library ?? "library";
      const config: DeviceConfig = {
        version: 1,
        libraryId,
        libraryName,
        deviceId: identity.deviceId,
        deviceName,
        createdAt: new Date().toISOString(),
        locations: [],
      };
      saveConfig(paths, config);
      if (joined !== undefined) savePeers(paths, [joined.peer]);
      const lock = tryLock(paths, "init");
      if (!isLock(lock))
        throw new CliError(CliErrorCode.DataDirBusy, `${opts.data} is in use (pid ${lock.pid})`);
      // Opening the replica creates the schema and the device's own row.
      const node = await PeerNode.open({ dataDir: opts.data, lock, terminalLevel: "warn" });
      await node.close();
      if (flags.json === true) {
        printJson({
          dataDir: opts.data,
          deviceId: identity.deviceId,
          shortForm: identity.shortForm,
          libraryId,
          libraryName,
          ...(joined === undefined ? {} : { peer: joined.peer }),
        });
        return;
      }
      say(nextSteps(paths, config, identity, joined));
    });
}

function checkFlags(flags: InitFlags): void {
  if (flags.join !== undefined) {
    if (flags.deviceId === undefined) {
      throw new CliError(
        CliErrorCode.InvalidArgument,
        "--join needs --device-id: the id of the device at that URL, so no other can pose as it",
        "run `tidemark id` on that device",
      );
    }
    if (flags.libraryId !== undefined) {
      throw new CliError(
        CliErrorCode.InvalidArgument,
        "--join takes the library from the peer: drop --library-id",
      );
    }
    return;
  }
  if (flags.library === undefined) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      "init needs --library NAME (a new library) or --join URL --device-id ID (an existing one)",
    );
  }
}

/** A key made by an earlier `init --join` that did not finish is kept: its id was shown. */
async function makeIdentity(paths: DataDirPaths): Promise<DeviceIdentity> {
  const { existsSync } = await import("node:fs");
  const { createIdentity, loadIdentity } = await import("../identity/device-identity.js");
  createDataDir(paths);
  if (!existsSync(paths.privateKey)) return createIdentity(paths);
  const { createPrivateKey, createPublicKey } = await import("node:crypto");
  const { readFileSync } = await import("node:fs");
  const { deviceIdOfKey } = await import("../identity/certificate.js");
  const key = createPrivateKey(readFileSync(paths.privateKey, "utf8"));
  return loadIdentity(paths, deviceIdOfKey(createPublicKey(key)));
}

/** Waits (bounded, with progress) until the device at --join has paired us; returns its library. */
async function join(
  flags: InitFlags,
  identity: DeviceIdentity,
  deviceName: string,
  dataDir: string,
  quiet: boolean,
): Promise<Joined> {
  const [
    { parseDeviceRef },
    { peerOrigin },
    { fetchLibraryInfo },
    { shortFormOf },
    { isPinMismatch },
  ] = await Promise.all([
    import("../identity/device-ref.js"),
    import("../peer-handshake.js"),
    import("../net/library-info.js"),
    import("../identity/device-identity.js"),
    import("../net/pinned-tls.js"),
  ]);
  const url = peerOrigin(flags.join ?? "");
  if (!url.startsWith("https:")) {
    throw new CliError(CliErrorCode.InvalidArgument, `--join needs an https URL, got ${url}`);
  }
  const expect = parseDeviceRef(flags.deviceId ?? "");
  const waitMs = seconds(flags.wait, "--wait");
  const advertise = flags.advertise ?? `https://${hostname()}:7400`;
  const tell = (line: string) => {
    if (!quiet) process.stderr.write(`${line}\n`);
  };
  tell(`this device: ${deviceName} ${identity.deviceId} (${identity.shortForm})`);
  tell(`on the device at ${url} (${shortFormOf(expect)}), pair this one:`);
  tell(`  tidemark peer add ${advertise} --device-id ${identity.deviceId}`);
  const started = Date.now();
  let lastTold = started;
  let last = "";
  for (;;) {
    const answer = await fetchLibraryInfo(url, identity, expect);
    if (answer.kind === "info") {
      if (answer.info.deviceId !== expect) {
        throw new CliError(
          CliErrorCode.InvalidArgument,
          `${url} says it is ${answer.info.deviceId}, its certificate proves ${expect}`,
        );
      }
      tell(`paired: joining library ${answer.info.libraryName} (${answer.info.libraryId})`);
      return {
        libraryId: answer.info.libraryId,
        libraryName: answer.info.libraryName,
        peer: {
          deviceId: expect,
          url,
          name: answer.info.deviceName,
          addedAt: new Date().toISOString(),
        },
      };
    }
    if (answer.kind === "error" && isPinMismatch(answer.error)) {
      throw new CliError(
        CliErrorCode.InvalidArgument,
        answer.error.rawMessage,
        "check --join and --device-id",
      );
    }
    last =
      answer.kind === "not-paired"
        ? "it has not paired this device yet"
        : `no answer (${answer.error.message})`;
    const elapsed = Date.now() - started;
    if (elapsed >= waitMs) {
      throw new CliError(
        CliErrorCode.Timeout,
        `${url} did not let this device in within ${Math.round(waitMs / 1000)} s: ${last}`,
        `pair it there, then run this again (the key in ${dataDir} is kept, so its id stays ${identity.deviceId})`,
      );
    }
    if (Date.now() - lastTold >= 10_000) {
      lastTold = Date.now();
      tell(`  waiting ${Math.round(elapsed / 1000)}/${Math.round(waitMs / 1000)} s: ${last}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function nextSteps(
  paths: DataDirPaths,
  config: DeviceConfig,
  identity: DeviceIdentity,
  joined: Joined | undefined,
): string {
  const me = dataFlag(paths.root);
  const lines = [
    `initialised device ${config.deviceName} in ${paths.root}`,
    `  device id   ${identity.deviceId}`,
    `  short form  ${identity.shortForm}   (compare it when pairing)`,
    `  library     ${config.libraryName} (${config.libraryId})`,
    `  database    ${paths.db}`,
    `  key pair    ${paths.privateKey} (ed25519, 0600), certificate ${paths.certificate}`,
    "",
    "next:",
    `  tidemark ${me}serve --port 7400            # run this device (add --watch to follow its locations)`,
    `  tidemark ${me}index DIR                    # put a directory in the library`,
  ];
  if (joined === undefined) {
    lines.push(
      "and to add another device (or another data dir on this machine), there:",
      `  tidemark --data OTHER_DIR init --join https://THIS_HOST:7400 --device-id ${identity.deviceId}`,
      "then here, the command it prints:",
      `  tidemark ${me}peer add https://OTHER_HOST:7400 --device-id ITS_ID`,
    );
  } else {
    lines.push(`paired with ${joined.peer.name} (${joined.peer.deviceId}) at ${joined.peer.url}`);
  }
  return `${lines.join("\n")}\n`;
}
