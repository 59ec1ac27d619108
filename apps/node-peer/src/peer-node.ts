// One device as a running program: data dir + logger + SQLite + replica +
// transport. Every CLI command and the admin API act through this class,
// so a command does the same thing whether `serve` runs or not.
import { hostname, platform } from "node:os";
import { create } from "@bufbuild/protobuf";
import type { PeerStatus, Replica, SyncClient, SyncConfig } from "@tidemark/engine";
import { HelloRequestSchema } from "@tidemark/protocol";
import Database from "better-sqlite3";
import {
  type DataDirPaths,
  type DeviceConfig,
  dataDirPaths,
  loadConfig,
  loadPeers,
  type PeerRecord,
  saveConfig,
  savePeers,
} from "./config/data-dir.js";
import { CliError, CliErrorCode } from "./errors.js";
import { fromHex, shortId, toHex } from "./ids.js";
import { type IndexProgress, type IndexResult, indexLocation } from "./indexer/index-location.js";
import { createHostLogger, type HostLogger } from "./logging.js";
import { PeerMonitor } from "./peer-monitor.js";
import { describeError, peerRow } from "./peer-row.js";
import { mathRandom, NodeTimers, pinoEngineLogger, wallClock } from "./ports.js";
import { openEngineReplica } from "./replica-factory.js";
import { type PeerRow, type StatusReport, streamRow } from "./status-report.js";
import { type TagOptions, tagWrites } from "./tag-writes.js";
import { createSyncClient, PeerTransport } from "./transport.js";
import { WireMeter } from "./wire-meter.js";

const PROTOCOL_VERSION = 1;

export type PeerNodeOptions = {
  readonly dataDir: string;
  readonly terminalLevel?: "debug" | "info" | "warn" | "error" | "silent";
  readonly fileLevel?: "debug" | "info" | "warn" | "error";
  readonly serving?: boolean;
  readonly sync?: Partial<SyncConfig>;
};

export type VerifyReport = {
  readonly peer: PeerRow;
  readonly converged: boolean;
};

export class PeerNode {
  private monitor: PeerMonitor | undefined;
  private closed = false;

  private constructor(
    readonly paths: DataDirPaths,
    private config: DeviceConfig,
    readonly log: HostLogger,
    readonly replica: Replica,
    readonly transport: PeerTransport,
    readonly meter: WireMeter,
    private readonly timers: NodeTimers,
    readonly serving: boolean,
  ) {}

  /** Opens the device in `dataDir`: config, logs, SQLite, replica, known peers. */
  static async open(opts: PeerNodeOptions): Promise<PeerNode> {
    const paths = dataDirPaths(opts.dataDir);
    const config = loadConfig(paths);
    const log = createHostLogger({
      file: paths.logFile,
      fileLevel: opts.fileLevel ?? "info",
      terminalLevel: opts.terminalLevel ?? "info",
      base: { device: config.deviceId, library: config.libraryId },
    });
    const meter = new WireMeter();
    const transport = new PeerTransport(meter);
    const db = new Database(paths.db);
    db.pragma("journal_mode = WAL");
    const timers = new NodeTimers();
    let replica: Replica;
    try {
      replica = await openEngineReplica({
        db,
        deviceId: config.deviceId,
        libraryId: config.libraryId,
        deviceName: config.deviceName,
        ports: {
          clock: wallClock,
          timers,
          random: mathRandom,
          logger: pinoEngineLogger(log.pino, config.deviceId),
          transport,
        },
        ...(opts.sync === undefined ? {} : { config: opts.sync }),
      });
    } catch (err) {
      db.close();
      log.flush();
      throw err;
    }
    const node = new PeerNode(
      paths,
      config,
      log,
      replica,
      transport,
      meter,
      timers,
      opts.serving === true,
    );
    for (const peer of loadPeers(paths)) {
      transport.setPeer(peer.deviceId, peer.url);
      replica.addPeer(peer.deviceId);
    }
    return node;
  }

  get deviceConfig(): DeviceConfig {
    return this.config;
  }

  peers(): PeerRecord[] {
    return loadPeers(this.paths);
  }

  helloRequest() {
    return create(HelloRequestSchema, {
      libraryId: fromHex(this.config.libraryId),
      deviceId: fromHex(this.config.deviceId),
      protocolVersion: PROTOCOL_VERSION,
      capabilities: [],
      deviceName: this.config.deviceName,
    });
  }

  /** Starts the replica's timers and watches every known peer. */
  start(): void {
    this.replica.start();
    this.monitor = new PeerMonitor({
      clientOf: (peer) => this.transport.client(peer),
      hello: (client: SyncClient, signal) => client.hello(this.helloRequest(), { signal }),
      onUp: (peer) => {
        this.log.pino.info({ event: "peer-up", peer }, `peer ${shortId(peer)} reachable`);
        this.replica.peerConnected(peer);
      },
      onDown: (peer, reason) => {
        this.log.pino.warn({ event: "peer-down", peer, reason }, `peer ${shortId(peer)} lost`);
        this.replica.peerDisconnected(peer);
      },
    });
    for (const peer of this.peers()) this.monitor.watch(peer.deviceId);
  }

  /**
   * Adds a peer by URL: calls its Hello to learn its device id, checks the
   * library, stores it, and (when serving) starts syncing with it.
   */
  async addPeerByUrl(url: string): Promise<PeerRecord> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CliError(
        CliErrorCode.InvalidArgument,
        `not a URL: "${url}"`,
        "e.g. http://127.0.0.1:7400",
      );
    }
    const base = parsed.origin;
    let hello: Awaited<ReturnType<SyncClient["hello"]>>;
    try {
      hello = await createSyncClient(base).hello(this.helloRequest(), { timeoutMs: 5_000 });
    } catch (err) {
      throw new CliError(
        CliErrorCode.PeerUnavailable,
        `peer at ${base} did not answer Hello: ${describeError(err)}`,
        "is `tidemark serve` running there, in the same library?",
        { cause: err },
      );
    }
    const deviceId = toHex(hello.deviceId);
    const library = toHex(hello.libraryId);
    if (library !== this.config.libraryId) {
      throw new CliError(
        CliErrorCode.InvalidArgument,
        `peer ${deviceId} is in library ${library}, this device in ${this.config.libraryId}`,
      );
    }
    if (deviceId === this.config.deviceId) {
      throw new CliError(CliErrorCode.InvalidArgument, `${base} is this device itself`);
    }
    const record: PeerRecord = {
      deviceId,
      url: base,
      name: hello.deviceName,
      addedAt: new Date().toISOString(),
    };
    const peers = this.peers().filter((p) => p.deviceId !== deviceId);
    savePeers(this.paths, [...peers, record]);
    this.transport.setPeer(deviceId, base);
    this.replica.addPeer(deviceId);
    this.monitor?.watch(deviceId);
    this.log.pino.info(
      { event: "peer-added", peer: deviceId, url: base },
      `added peer ${hello.deviceName}`,
    );
    return record;
  }

  /** Resolves a peer by device id (or unique prefix), name or URL. */
  findPeer(ref: string): PeerRecord {
    const peers = this.peers();
    const exact = peers.find((p) => p.deviceId === ref || p.url === ref || p.name === ref);
    if (exact !== undefined) return exact;
    const byPrefix = peers.filter((p) => p.deviceId.startsWith(ref.toLowerCase()));
    const [only] = byPrefix;
    if (byPrefix.length === 1 && only !== undefined) return only;
    throw new CliError(
      CliErrorCode.UnknownPeer,
      byPrefix.length > 1 ? `"${ref}" matches several peers` : `no peer "${ref}"`,
      "list peers with `tidemark status`",
    );
  }

  /** Indexes a directory as a new location of this device. */
  async index(path: string, onProgress?: (p: IndexProgress) => void): Promise<IndexResult> {
    if (this.config.locations[path] !== undefined) {
      throw new CliError(
        CliErrorCode.InvalidArgument,
        `${path} is already indexed as location ${this.config.locations[path]}`,
      );
    }
    const result = await indexLocation({
      replica: this.replica,
      path,
      volumeId: this.config.volumeId,
      ...(onProgress === undefined ? {} : { onProgress }),
    });
    this.config = {
      ...this.config,
      volumeId: result.volumeId,
      locations: { ...this.config.locations, [path]: result.locationId },
    };
    saveConfig(this.paths, this.config);
    this.log.pino.info(
      { event: "indexed", path, entries: result.entries, ms: result.elapsedMs },
      `indexed ${result.entries} entries of ${path}`,
    );
    return result;
  }

  /**
   * Tags entries (or, with `remove`, untags them). The tag's id is derived
   * from its name, so the same tag created on two devices is one row.
   */
  tag(name: string, entryIds: readonly string[], opts: TagOptions) {
    const { tagId, writes } = tagWrites(fromHex(this.config.libraryId), name, entryIds, opts);
    const batches = this.replica.commit(writes);
    return {
      tag: toHex(tagId),
      changes: batches.reduce((n, b) => n + b.changes.length, 0),
    };
  }

  /** Status of this replica; with `probe`, asks every peer for its watermarks. */
  async report(probe: boolean): Promise<StatusReport> {
    const status = this.replica.status();
    const byId = new Map(status.peers.map((p) => [p.peer, p]));
    const peers = await Promise.all(
      this.peers().map((p) => this.peerRow(p, byId.get(p.deviceId), probe)),
    );
    const streams = status.streams.map(streamRow);
    const liveRows = status.streams.reduce((n, s) => n + s.liveCount, 0n);
    return {
      device: this.config.deviceId,
      deviceName: this.config.deviceName,
      library: this.config.libraryId,
      libraryName: this.config.libraryName,
      dataDir: this.paths.root,
      serving: this.serving,
      liveRows: liveRows.toString(),
      streams,
      peers,
      metrics: this.replica.metrics().values,
      wire: { bytesIn: this.meter.bytesIn, bytesOut: this.meter.bytesOut },
    };
  }

  /** One-shot ExchangeWatermarks with one peer and a per-stream verdict. */
  async verify(ref: string): Promise<VerifyReport> {
    const record = this.findPeer(ref);
    const status = this.replica.status().peers.find((p) => p.peer === record.deviceId);
    const row = await this.peerRow(record, status, true);
    return { peer: row, converged: row.inSync === true };
  }

  private peerRow(
    record: PeerRecord,
    status: PeerStatus | undefined,
    probe: boolean,
  ): Promise<PeerRow> {
    return peerRow({
      record,
      status,
      probe,
      client: this.transport.client(record.deviceId),
      libraryId: this.config.libraryId,
      deviceId: this.config.deviceId,
      ours: () => this.replica.status().streams,
    });
  }

  /** Stops timers and peers, closes the replica (and its DB), flushes logs. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.monitor?.close();
    try {
      this.replica.close();
    } finally {
      this.timers.close();
      this.log.pino.info({ event: "host-closed" }, "peer stopped");
      this.log.flush();
    }
  }
}

/** The device's own name when `init` is given none. */
export function defaultDeviceName(): string {
  return `${hostname()}-${platform()}`;
}
