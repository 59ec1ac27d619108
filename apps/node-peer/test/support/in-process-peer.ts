// A real peer inside the test process: a data dir in a temp dir, the
// PeerNode every CLI command uses, and its SyncService on a real HTTP/2
// listener on 127.0.0.1 — the product's parts, minus the process, so a
// test can read the replica's state between RPCs. close() removes it all.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SyncConfig } from "@tidemark/engine";
import {
  createDataDir,
  type DeviceConfig,
  dataDirPaths,
  saveConfig,
} from "../../src/config/data-dir.js";
import { isLock, tryLock } from "../../src/config/lock.js";
import { toHex, uuidv7 } from "../../src/ids.js";
import type { ServerLimits } from "../../src/net/server-limits.js";
import { PeerNode } from "../../src/peer-node.js";
import { type RunningServer, startSyncServer } from "../../src/server.js";

export type InProcessPeer = {
  readonly node: PeerNode;
  readonly server: RunningServer;
  readonly url: string;
  readonly deviceId: string;
  readonly libraryId: string;
  readonly dataDir: string;
  close(): Promise<void>;
};

export type InProcessOptions = {
  readonly name: string;
  /** Joins this library; a new one when unset. */
  readonly libraryId?: string;
  readonly limits?: Partial<ServerLimits>;
  readonly sync?: Partial<SyncConfig>;
};

export async function startInProcessPeer(opts: InProcessOptions): Promise<InProcessPeer> {
  const dataDir = mkdtempSync(join(tmpdir(), `tidemark-${opts.name}-`));
  const paths = dataDirPaths(dataDir);
  createDataDir(paths);
  const config: DeviceConfig = {
    version: 1,
    libraryId: opts.libraryId ?? toHex(uuidv7()),
    libraryName: "test",
    deviceId: toHex(uuidv7()),
    deviceName: opts.name,
    createdAt: new Date().toISOString(),
    locations: [],
  };
  saveConfig(paths, config);
  const lock = tryLock(paths, "test");
  if (!isLock(lock)) throw new Error(`${dataDir} is locked`);
  const node = await PeerNode.open({
    dataDir,
    lock,
    serving: true,
    terminalLevel: "silent",
    fileLevel: "warn",
    ...(opts.sync === undefined ? {} : { sync: opts.sync }),
  });
  const server = await startSyncServer({
    service: node.replica.service,
    port: 0,
    meter: node.meter,
    logger: node.log.pino,
    onBreach: (limit) => node.hostMetrics.inc("tidemark_server_limit_breaches_total", { limit }),
    ...(opts.limits === undefined ? {} : { limits: opts.limits }),
  });
  node.start();
  return {
    node,
    server,
    url: server.url,
    deviceId: config.deviceId,
    libraryId: config.libraryId,
    dataDir,
    close: async () => {
      await server.close();
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
