// A real peer inside the test process: a data dir in a temp dir, the
// PeerNode every CLI command uses, and its SyncService on a real HTTP/2
// listener on 127.0.0.1 — the product's parts, minus the process, so a
// test can read the replica's state between RPCs. close() removes it all.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ReplicaBounds, SyncConfig } from "@tidemark/engine";
import type { SyncService } from "@tidemark/protocol";
import {
  createDataDir,
  type DeviceConfig,
  dataDirPaths,
  loadConfig,
  saveConfig,
} from "../../src/config/data-dir.js";
import { isLock, tryLock } from "../../src/config/lock.js";
import { waitFor } from "../../src/demo/processes.js";
import { generateTree } from "../../src/demo/tree.js";
import { createIdentity } from "../../src/identity/device-identity.js";
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
  /** Stops everything; removes the data dir unless `keepData`. */
  close(keepData?: boolean): Promise<void>;
};

export type InProcessOptions = {
  readonly name: string;
  /** Joins this library; a new one when unset. */
  readonly libraryId?: string;
  /** Reopens this existing data dir instead of creating one. */
  readonly dataDir?: string;
  readonly limits?: Partial<ServerLimits>;
  readonly sync?: Partial<SyncConfig>;
  readonly bounds?: Partial<ReplicaBounds>;
  /**
   * mutual-tls (default): the product's listener, paired callers only.
   * insecure-loopback: h2c and claimed caller ids, for tests that speak raw
   * HTTP/2 to the service (what a paired device could send anyway).
   */
  readonly security?: "mutual-tls" | "insecure-loopback";
  /** Serves this instead of the replica's SyncService (a test's buggy or hostile peer). */
  readonly wrapService?: (real: SyncServiceImpl) => SyncServiceImpl;
};

type SyncServiceImpl = ServiceImpl<typeof SyncService>;

export async function startInProcessPeer(opts: InProcessOptions): Promise<InProcessPeer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `tidemark-${opts.name}-`));
  const paths = dataDirPaths(dataDir);
  const config = opts.dataDir === undefined ? await createDevice(dataDir, opts) : loadConfig(paths);
  const insecure = opts.security === "insecure-loopback";
  const lock = tryLock(paths, "test");
  if (!isLock(lock)) throw new Error(`${dataDir} is locked`);
  const node = await PeerNode.open({
    dataDir,
    lock,
    serving: true,
    insecureLoopback: insecure,
    terminalLevel: "silent",
    fileLevel: "warn",
    ...(opts.sync === undefined ? {} : { sync: opts.sync }),
    ...(opts.bounds === undefined ? {} : { bounds: opts.bounds }),
  });
  const server = await startSyncServer({
    service: opts.wrapService?.(node.replica.service) ?? node.replica.service,
    security: node.listenerSecurity(insecure),
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
    close: async (keepData = false) => {
      // Temp files go even when a failed test left the node unable to close.
      try {
        await server.close();
        await node.close();
      } finally {
        rmSync(`${dataDir}-trees`, { recursive: true, force: true });
        if (!keepData) rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A new device with a real identity (key pair, certificate, derived id). */
async function createDevice(dataDir: string, opts: InProcessOptions): Promise<DeviceConfig> {
  const paths = dataDirPaths(dataDir);
  createDataDir(paths);
  const identity = await createIdentity(paths);
  const config: DeviceConfig = {
    version: 1,
    libraryId: opts.libraryId ?? toHex(uuidv7()),
    libraryName: "test",
    deviceId: identity.deviceId,
    deviceName: opts.name,
    createdAt: new Date().toISOString(),
    locations: [],
  };
  saveConfig(paths, config);
  return config;
}

/** Each adds the other as a peer (what `peer add --yes` records), so they sync. */
export function pair(a: InProcessPeer, b: InProcessPeer): void {
  a.node.addPeer({ url: b.url, deviceId: b.deviceId, name: b.node.deviceConfig.deviceName });
  b.node.addPeer({ url: a.url, deviceId: a.deviceId, name: a.node.deviceConfig.deviceName });
}

/** Indexes a generated tree of `files` files on `p`; returns the tree's path. */
export async function indexTree(p: InProcessPeer, name: string, files: number): Promise<string> {
  // Beside the data dir, never inside it (a location may not contain it).
  const root = join(`${p.dataDir}-trees`, name);
  generateTree({ root, files, filesPerDir: 20, fanout: 3 });
  await p.node.locations.index(root);
  return root;
}

/** Streams of `origins` as "origin/resource cursor fingerprint" lines, or undefined while any is pulling. */
function streamsOf(p: InProcessPeer, origins: readonly string[]): string[] | undefined {
  const out: string[] = [];
  for (const s of p.node.replica.status().streams) {
    if (!origins.includes(s.stream.origin)) continue;
    if (s.pulling) return undefined;
    out.push(`${s.stream.origin}/${s.stream.resource} ${s.cursor} ${toHex(s.fingerprint)}`);
  }
  return out.sort();
}

/** Every stream of `p` as "origin/resource cursor live fingerprint": what "nothing changed" compares. */
export function streamLines(p: InProcessPeer): string[] {
  return p.node.replica
    .status()
    .streams.map(
      (s) =>
        `${s.stream.origin}/${s.stream.resource} ${s.cursor} ${s.liveCount} ${toHex(s.fingerprint)}`,
    )
    .sort();
}

/**
 * Waits until every peer holds the streams of `origins` exactly as the
 * others do (same cursors and fingerprints, none pulling); returns them.
 */
export function converged(
  peers: readonly InProcessPeer[],
  origins: readonly string[],
  timeoutMs = 30_000,
): Promise<string[]> {
  return waitFor(
    `${peers.length} peers to converge on ${origins.length} origins`,
    () => {
      const views = peers.map((p) => streamsOf(p, origins));
      const [first] = views;
      if (first === undefined || views.some((v) => v === undefined)) return undefined;
      const want = JSON.stringify(first);
      const perOrigin = new Set(first.map((l) => l.split("/")[0]));
      const everyOrigin = origins.every((o) => perOrigin.has(o));
      return everyOrigin && views.every((v) => JSON.stringify(v) === want) ? first : undefined;
    },
    timeoutMs,
    50,
  );
}

/**
 * The sum of a metric's series on `p` (engine and host registries) whose
 * labels include `labels` (values carry a device label, so never look
 * names up bare).
 */
export function metric(
  p: InProcessPeer,
  name: string,
  labels: Record<string, string> = {},
): number {
  const values = { ...p.node.replica.metrics().values, ...p.node.hostMetrics.values() };
  let total = 0;
  for (const [key, value] of Object.entries(values)) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}
