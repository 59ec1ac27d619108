// The data dir: one device's whole state. Everything but the SQLite file is
// small JSON written atomically (temp file + rename), so a crash mid-write
// leaves the old version, never half a file.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
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
  /** This device's indexed locations. */
  readonly locations: readonly LocationConfig[];
};

/** One indexed directory of this device. */
export type LocationConfig = {
  /** The location row's id (hex). */
  readonly id: string;
  /** Absolute, symlinks resolved: two spellings of one directory are one location. */
  readonly path: string;
  readonly addedAt: string;
  /** Followed live by `serve` (set by `tidemark watch`). */
  readonly watch?: boolean;
};

export type PeerRecord = {
  readonly deviceId: string;
  readonly url: string;
  readonly name: string;
  readonly addedAt: string;
};

/**
 * Written by the process that owns the data dir while it runs (`serve`, or
 * a foreground `watch`), so other commands talk to it instead of the DB.
 */
export type ServeInfo = {
  readonly pid: number;
  readonly role: "serve" | "watch";
  /** SyncService port; absent for a foreground `watch` (it does not serve peers). */
  readonly port?: number;
  readonly url?: string;
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
  /** The device's self-signed X.509 certificate (PEM). */
  readonly certificate: string;
  readonly logDir: string;
  readonly logFile: string;
  readonly serve: string;
  readonly lock: string;
  /** The admin API's token (0600), present while an owner runs. */
  readonly adminToken: string;
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
    certificate: join(root, "device-cert.pem"),
    logDir: join(root, "logs"),
    logFile: join(root, "logs", "tidemark.log"),
    serve: join(root, "serve.json"),
    lock: join(root, "lock"),
    adminToken: join(root, "admin-token"),
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
  const raw = readJson<DeviceConfig | (Omit<DeviceConfig, "locations"> & { locations: unknown })>(
    paths.config,
  );
  return { ...raw, locations: normaliseLocations(raw.locations) };
}

// Data dirs written before locations had their own records kept a map
// path -> id.
function normaliseLocations(value: unknown): LocationConfig[] {
  if (Array.isArray(value)) return value as LocationConfig[];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value as Record<string, string>).map(([path, id]) => ({
    id,
    path,
    addedAt: "",
  }));
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

/** Creates the dir (0700: the key and the library live there) and its log dir. */
export function createDataDir(paths: DataDirPaths): void {
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  chmodSync(paths.root, 0o700);
  mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
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
