// The data dir: one device's whole state. Everything but the SQLite file is
// small JSON written atomically (temp file + rename), so a crash mid-write
// leaves the old version, never half a file.
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { CliError, CliErrorCode } from "../errors.js";

export type DeviceConfig = {
  readonly version: 1;
  readonly libraryId: string;
  readonly libraryName: string;
  readonly deviceId: string;
  readonly deviceName: string;
  readonly createdAt: string;
  /** The volume this device's locations live on; created by the first index. */
  readonly volumeId?: string;
  /** Indexed locations: absolute path -> location row id (hex). */
  readonly locations: Readonly<Record<string, string>>;
};

export type PeerRecord = {
  readonly deviceId: string;
  readonly url: string;
  readonly name: string;
  readonly addedAt: string;
};

/** Written by `serve` while it runs, so other commands talk to it instead of the DB. */
export type ServeInfo = {
  readonly pid: number;
  readonly port: number;
  readonly adminPort: number;
  readonly startedAt: string;
};

export type DataDirPaths = {
  readonly root: string;
  readonly config: string;
  readonly peers: string;
  readonly db: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly logDir: string;
  readonly logFile: string;
  readonly serve: string;
};

/** `--data`, else $TIDEMARK_DATA, else ~/.tidemark. */
export function resolveDataDir(flag: string | undefined): string {
  return resolve(flag ?? process.env.TIDEMARK_DATA ?? join(homedir(), ".tidemark"));
}

export function dataDirPaths(root: string): DataDirPaths {
  return {
    root,
    config: join(root, "config.json"),
    peers: join(root, "peers.json"),
    db: join(root, "tidemark.db"),
    privateKey: join(root, "device-key.pem"),
    publicKey: join(root, "device-key.pub.pem"),
    logDir: join(root, "logs"),
    logFile: join(root, "logs", "tidemark.log"),
    serve: join(root, "serve.json"),
  };
}

function writeAtomic(path: string, text: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (cause) {
    throw new CliError(CliErrorCode.NotInitialised, `cannot read ${path}`, "run `tidemark init`", {
      cause,
    });
  }
}

export function isInitialised(paths: DataDirPaths): boolean {
  return existsSync(paths.config);
}

export function loadConfig(paths: DataDirPaths): DeviceConfig {
  if (!isInitialised(paths)) {
    throw new CliError(
      CliErrorCode.NotInitialised,
      `no Tidemark device in ${paths.root}`,
      "run `tidemark init --library NAME --data DIR` first",
    );
  }
  return readJson<DeviceConfig>(paths.config);
}

export function saveConfig(paths: DataDirPaths, config: DeviceConfig): void {
  writeAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`);
}

export function loadPeers(paths: DataDirPaths): PeerRecord[] {
  return existsSync(paths.peers) ? readJson<PeerRecord[]>(paths.peers) : [];
}

export function savePeers(paths: DataDirPaths, peers: readonly PeerRecord[]): void {
  writeAtomic(paths.peers, `${JSON.stringify(peers, null, 2)}\n`);
}

/** Creates the dir, the log dir and the device's ed25519 key pair (private key 0600). */
export function createDataDir(paths: DataDirPaths): { publicKeyPem: string } {
  mkdirSync(paths.root, { recursive: true });
  mkdirSync(paths.logDir, { recursive: true });
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  writeAtomic(
    paths.privateKey,
    privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    0o600,
  );
  writeAtomic(paths.publicKey, publicKeyPem);
  return { publicKeyPem };
}

export function readServeInfo(paths: DataDirPaths): ServeInfo | undefined {
  if (!existsSync(paths.serve)) return undefined;
  try {
    return JSON.parse(readFileSync(paths.serve, "utf8")) as ServeInfo;
  } catch {
    return undefined;
  }
}

export function writeServeInfo(paths: DataDirPaths, info: ServeInfo): void {
  writeAtomic(paths.serve, `${JSON.stringify(info)}\n`);
}
