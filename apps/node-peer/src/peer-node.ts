// One device as a running program: data dir + logger + SQLite + replica +
// transport + its locations. Every CLI command acts through this class (in
// this process, or in the running serve through the admin API), so a
// command does the same thing wherever it runs.
import { realpathSync } from "node:fs";
import { hostname, platform } from "node:os";
import { ConnectError } from "@connectrpc/connect";
import {
  type Clock,
  Metrics,
  type PeerStatus,
  type Replica,
  type ReplicaBounds,
  type ReplicaParts,
  type SyncClient,
  type SyncConfig,
} from "@tidemark/engine";
import {
  ErrorReason,
  MAX_DEVICE_NAME_BYTES,
  ProtocolError,
  tagAssignmentIdOf,
  tagIdOf,
} from "@tidemark/protocol";
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
import type { DataDirLock } from "./config/lock.js";
import { CliError, CliErrorCode } from "./errors.js";
import { type DeviceIdentity, loadIdentity, shortFormOf } from "./identity/device-identity.js";
import { fromHex, shortId, toHex } from "./ids.js";
import type { Skip } from "./indexer/listing.js";
import { Locations } from "./indexer/locations.js";
import type { ScanResult } from "./indexer/scanner.js";
import { LibraryTables } from "./library/tables.js";
import { LibraryView } from "./library/view.js";
import { createHostLogger, type HostLogger } from "./logging.js";
import type { CallerGate, Refusal } from "./net/caller-gate.js";
import { RefusedCallers } from "./net/refusals.js";
import { helloRequestOf, type PeerIdentity, peerOrigin } from "./peer-handshake.js";
import { PeerMonitor } from "./peer-monitor.js";
import { peerRow } from "./peer-row.js";
import { mathRandom, NodeTimers, pinoEngineLogger, wallClock } from "./ports.js";
import { openEngineReplica } from "./replica-factory.js";
import type { ServerSecurity } from "./server.js";
import {
  clockHoldLines,
  heldWriteLines,
  type PeerRow,
  type StatusReport,
  streamRow,
} from "./status-report.js";
import { type TagOptions, tagWrites } from "./tag-writes.js";
import { PeerTransport } from "./transport.js";
import { WireMeter } from "./wire-meter.js";

export type PeerNodeOptions = {
  readonly dataDir: string;
  /** The data dir's lock, held by the caller; released on close. */
  readonly lock: DataDirLock;
  readonly terminalLevel?: "debug" | "info" | "warn" | "error" | "silent";
  readonly fileLevel?: "debug" | "info" | "warn" | "error";
  readonly serving?: boolean;
  /** Serving cleartext on loopback: callers are who they claim (no TLS identity). */
  readonly insecureLoopback?: boolean;
  readonly sync?: Partial<SyncConfig>;
  /** What peers can make the replica hold or do; PROTOCOL.md §11 defaults when unset. */
  readonly bounds?: Partial<ReplicaBounds>;
  /** Strategies the replica is built from (test code injects known-bad ones). */
  readonly replicaParts?: ReplicaParts;
  /** The wall and monotonic clocks (default the host's); a TestControl run may steer the wall clock. */
  readonly clock?: Clock;
};

export type VerifyReport = {
  readonly peer: PeerRow;
  readonly converged: boolean;
};

export type AddPeerResult = {
  readonly peer: PeerRecord;
  /** added; known (same id and URL: nothing changed); moved (same id, new URL). */
  readonly outcome: "added" | "known" | "moved";
  readonly previousUrl: string | null;
};

/** `peer add --device-id ID…` with no URL: devices let in as callers, never dialled. */
export type PinIncomingResult = {
  /** Newly paired ids. */
  readonly added: readonly string[];
  /** Ids already paired (at a URL or incoming only): left as they were. */
  readonly known: readonly string[];
};

export type TagResult = {
  readonly tag: string;
  readonly color: string;
  readonly changes: number;
  readonly entries: readonly { readonly ref: string; readonly id: string; readonly path: string }[];
};

export class PeerNode {
  private monitor: PeerMonitor | undefined;
  private closed = false;
  readonly tables: LibraryTables;
  readonly locations: Locations;
  readonly library: LibraryView;
  /** The host's own counters (listener and admin bounds), beside the engine's. */
  readonly hostMetrics: Metrics;
  /** Callers the listener refused (for `status`). */
  readonly refused = new RefusedCallers();
  private paired: Set<string>;

  private constructor(
    readonly paths: DataDirPaths,
    private config: DeviceConfig,
    readonly log: HostLogger,
    readonly replica: Replica,
    readonly identity: DeviceIdentity,
    readonly transport: PeerTransport,
    readonly meter: WireMeter,
    private readonly timers: NodeTimers,
    readonly serving: boolean,
    db: Database.Database,
    private readonly lock: DataDirLock,
  ) {
    this.tables = new LibraryTables(db);
    this.paired = new Set(loadPeers(paths).map((p) => p.deviceId));
    this.hostMetrics = new Metrics({ device: config.deviceId });
    this.locations = new Locations({
      replica,
      tables: this.tables,
      deviceId: config.deviceId,
      // Real path: locations are real paths, so the data dir inside one is recognised.
      dataDir: realpathSync(paths.root),
      config: () => this.config,
      saveConfig: (next) => {
        this.config = next;
        saveConfig(paths, next);
      },
      onSkipped: (skips, result) => this.logSkipped(skips, result),
      onWatchBatch: (loc, r, events) =>
        this.log.pino.info(
          { event: "watch-batch", location: loc.id, path: loc.path, events, ...counts(r) },
          `${loc.path}: ${describeCounts(r)} (${events} events, ${r.elapsedMs} ms)`,
        ),
      onWatchError: (loc, err) =>
        this.log.pino.warn(
          { event: "watch-error", location: loc.id, path: loc.path, error: String(err) },
          `watching ${loc.path}: ${String(err)}`,
        ),
    });
    this.library = new LibraryView(this.tables, config.deviceId, () => this.config.locations);
  }

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
    const identity = await loadIdentity(paths, config.deviceId);
    const meter = new WireMeter();
    const transport = new PeerTransport(meter, identity);
    const db = new Database(paths.db);
    db.pragma("journal_mode = WAL");
    const timers = new NodeTimers();
    let replica: Replica;
    try {
      replica = await openEngineReplica({
        db,
        identity,
        insecureLoopback: opts.insecureLoopback === true,
        deviceId: config.deviceId,
        libraryId: config.libraryId,
        deviceName: config.deviceName,
        ports: {
          clock: opts.clock ?? wallClock,
          timers,
          random: mathRandom,
          logger: pinoEngineLogger(log.pino, config.deviceId),
          transport,
        },
        ...(opts.sync === undefined ? {} : { config: opts.sync }),
        ...(opts.bounds === undefined ? {} : { bounds: opts.bounds }),
        ...(opts.replicaParts === undefined ? {} : { parts: opts.replicaParts }),
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
      identity,
      transport,
      meter,
      timers,
      opts.serving === true,
      db,
      opts.lock,
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

  /** True for a device this one paired (`peer add`): the only callers let in. */
  isPaired(deviceId: string): boolean {
    return this.paired.has(deviceId);
  }

  /** The listener's view of pairing: who may call, and where refusals go. */
  callerGate(): CallerGate {
    return {
      isPaired: (id) => this.isPaired(id),
      refused: (r) => this.noteRefused(r),
    };
  }

  /**
   * How its sync listener authenticates callers: mutual TLS with this
   * device's certificate, its paired devices let in and failed handshakes
   * noted; or, with `insecureLoopback`, h2c with claimed caller ids.
   */
  listenerSecurity(insecureLoopback: boolean): ServerSecurity {
    if (insecureLoopback) return { mode: "insecure-loopback" };
    return {
      mode: "mutual-tls",
      keyPem: this.identity.keyPem,
      certPem: this.identity.certPem,
      gate: this.callerGate(),
      onTlsError: (address, error) =>
        this.noteRefused({ reason: "tls-handshake", address, method: error }),
    };
  }

  /** A caller the listener refused: logged with its id, counted, kept for status. */
  noteRefused(r: Omit<Refusal, "method"> & { readonly method?: string }): void {
    const row = this.refused.record(r);
    this.hostMetrics.inc("tidemark_listener_refused_calls_total", { reason: r.reason });
    // Logged on the first refusal of a caller and then every 100th, not per call.
    if (row.count !== 1 && row.count % 100 !== 0) return;
    if (r.reason === "tls-handshake") {
      this.log.pino.warn(
        { event: "tls-refused", address: r.address, error: r.method, count: row.count },
        `${r.address}: TLS handshake refused (${r.method ?? "?"})`,
      );
      return;
    }
    const who =
      r.deviceId === undefined
        ? "a caller with no device certificate"
        : `device ${r.deviceId} (${shortFormOf(r.deviceId)})`;
    this.log.pino.warn(
      {
        event: "caller-refused",
        reason: r.reason,
        address: r.address,
        peer: r.deviceId,
        method: r.method,
        count: row.count,
      },
      `refused ${who} from ${r.address}: ${r.reason.replace("-", " ")}`,
    );
  }

  helloRequest() {
    return helloRequestOf(this.config);
  }

  /** Starts the replica's timers and watches every known peer. */
  start(): void {
    this.replica.start();
    this.monitor = new PeerMonitor({
      clientOf: (peer) => this.transport.client(peer),
      hello: async (client: SyncClient, signal) => {
        try {
          const answer = await client.hello(this.helloRequest(), { signal });
          this.learnName(toHex(answer.deviceId), answer.deviceName);
        } catch (err) {
          // A paired device of another library answered: it is up, and the
          // engine's first exchange parks it (it holds nothing of ours, so
          // own commits do not wait for it, PROTOCOL.md AU-7).
          if (!(err instanceof ConnectError)) throw err;
          if (ProtocolError.fromConnectError(err).reason !== ErrorReason.LIBRARY_MISMATCH)
            throw err;
        }
      },
      onUp: (peer) => {
        this.log.pino.info({ event: "peer-up", peer }, `peer ${shortId(peer)} reachable`);
        this.replica.peerConnected(peer);
      },
      onDown: (peer, reason) => {
        this.log.pino.warn({ event: "peer-down", peer, reason }, `peer ${shortId(peer)} lost`);
        this.replica.peerDisconnected(peer);
      },
    });
    // Incoming-only pins (no URL) are never dialled, so never probed.
    for (const peer of this.peers()) if (peer.url !== "") this.monitor.watch(peer.deviceId);
  }

  /** A peer paired before it answered is recorded under a placeholder name: keep its own. */
  private learnName(deviceId: string, name: string): void {
    const peers = this.peers();
    const record = peers.find((p) => p.deviceId === deviceId);
    const clean = String(name).slice(0, MAX_DEVICE_NAME_BYTES);
    if (record === undefined || record.name === clean || clean === "") return;
    savePeers(
      this.paths,
      peers.map((p) => (p.deviceId === deviceId ? { ...p, name: clean } : p)),
    );
  }

  /**
   * Records a peer the user confirmed: who answered at its URL (learned by
   * peerHandshake on the CLI side) is stored and, when serving, synced
   * with. Contacts nobody itself. A known peer is reported as such.
   */
  addPeer(found: PeerIdentity): AddPeerResult {
    const base = peerOrigin(found.url);
    const deviceId = toHex(fromHex(found.deviceId, "device id"));
    if (deviceId === this.config.deviceId) {
      throw new CliError(CliErrorCode.InvalidArgument, `${base} is this device itself`);
    }
    const name = String(found.name).slice(0, MAX_DEVICE_NAME_BYTES);
    const peers = this.peers();
    const prior = peers.find((p) => p.deviceId === deviceId);
    if (prior !== undefined && prior.url === base)
      return { peer: prior, outcome: "known", previousUrl: null };
    const record: PeerRecord = {
      deviceId,
      url: base,
      name,
      addedAt: prior?.addedAt ?? new Date().toISOString(),
    };
    savePeers(this.paths, [...peers.filter((p) => p.deviceId !== deviceId), record]);
    this.paired.add(deviceId);
    this.refused.forget(deviceId);
    this.transport.setPeer(deviceId, base);
    this.replica.addPeer(deviceId);
    this.monitor?.watch(deviceId);
    this.log.pino.info(
      { event: prior === undefined ? "peer-added" : "peer-moved", peer: deviceId, url: base },
      `${prior === undefined ? "added" : "updated"} peer ${name} at ${base}`,
    );
    return {
      peer: record,
      outcome: prior === undefined ? "added" : "moved",
      previousUrl: prior?.url ?? null,
    };
  }

  /**
   * Pairs devices by id alone (`peer add --device-id ID…`, no URL): they
   * may call this one over mutual TLS, but it never dials them (url "").
   * Contacts nobody; for devices that only call in, e.g. a test harness's
   * many identities. An id already paired keeps its record.
   */
  pinIncoming(deviceIds: readonly string[]): PinIncomingResult {
    const peers = this.peers();
    const added: string[] = [];
    const known: string[] = [];
    const now = new Date().toISOString();
    for (const raw of deviceIds) {
      const deviceId = toHex(fromHex(raw, "device id"));
      if (deviceId === this.config.deviceId)
        throw new CliError(CliErrorCode.InvalidArgument, `${deviceId} is this device itself`);
      if (peers.some((p) => p.deviceId === deviceId) || added.includes(deviceId)) {
        if (!known.includes(deviceId)) known.push(deviceId);
        continue;
      }
      added.push(deviceId);
      peers.push({ deviceId, url: "", name: "", addedAt: now });
    }
    if (added.length === 0) return { added, known };
    savePeers(this.paths, peers);
    for (const deviceId of added) {
      this.paired.add(deviceId);
      this.refused.forget(deviceId);
      this.replica.addPeer(deviceId);
    }
    this.log.pino.info(
      { event: "peers-pinned", count: added.length },
      `paired ${added.length} incoming-only device(s)`,
    );
    return { added, known };
  }

  /** Forgets a peer: no more sync with it. The rows it wrote stay in the library. */
  removePeer(ref: string): PeerRecord {
    const record = this.findPeer(ref);
    savePeers(
      this.paths,
      this.peers().filter((p) => p.deviceId !== record.deviceId),
    );
    this.paired.delete(record.deviceId);
    this.monitor?.unwatch(record.deviceId);
    this.replica.removePeer(record.deviceId);
    this.transport.removePeer(record.deviceId);
    this.log.pino.info(
      { event: "peer-removed", peer: record.deviceId },
      `removed peer ${record.name}`,
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
      "list peers with `tidemark peer list`",
    );
  }

  /**
   * Tags entries (or, with `remove`, untags them). Entries are ids or
   * absolute paths and must be in the library; untag also needs the
   * assignment to exist. Without --color a tag keeps its colour.
   */
  tag(name: string, refs: readonly string[], opts: TagOptions): TagResult {
    const library = fromHex(this.config.libraryId);
    const tagId = tagIdOf(library, name);
    const existing = this.library.tags().find((t) => t.id === toHex(tagId));
    if (opts.remove === true && existing === undefined) {
      throw new CliError(
        CliErrorCode.InvalidArgument,
        `no tag "${name}"`,
        "list tags with `tidemark tags`",
      );
    }
    const entries = refs.map((ref) => {
      const e = this.library.resolve(ref);
      const path = this.library.pathOf(e);
      if (opts.remove === true && !this.tables.assignmentLive(tagAssignmentIdOf(tagId, e.id))) {
        throw new CliError(CliErrorCode.InvalidArgument, `${path} is not tagged "${name}"`);
      }
      return { ref, id: e.id, path };
    });
    const color = opts.color ?? existing?.color;
    const { writes } = tagWrites(
      library,
      name,
      entries.map((e) => e.id),
      {
        ...opts,
        ...(color === undefined || color === "" ? {} : { color }),
      },
    );
    const batches = this.replica.commit(writes);
    const stored = this.library.tags().find((t) => t.id === toHex(tagId));
    return {
      tag: toHex(tagId),
      color: stored?.color ?? "",
      changes: batches.reduce((n, b) => n + b.changes.length, 0),
      entries: entries.map((e) => ({ ref: e.ref, id: toHex(e.id), path: e.path })),
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
      logFile: this.paths.logFile,
      serving: this.serving,
      liveRows: liveRows.toString(),
      streams,
      peers,
      metrics: { ...this.replica.metrics().values, ...this.hostMetrics.values() },
      wire: { bytesIn: this.meter.bytesIn, bytesOut: this.meter.bytesOut },
      refused: [
        ...this.refused.list(),
        // The engine's own refusals the listener cannot see (a request naming another device).
        ...status.refused
          .filter((r) => r.reason === "device-mismatch")
          .map((r) => ({
            deviceId: r.device,
            reason: "device-mismatch" as const,
            address: "?",
            count: r.count,
            lastAt: new Date(r.lastAt).toISOString(),
          })),
      ].map((r) => ({
        ...r,
        ...(r.deviceId === undefined || r.deviceId === ""
          ? {}
          : { shortForm: shortFormOf(r.deviceId) }),
      })),
      clockHolds: clockHoldLines(status.hlcHolds),
      heldWrites: heldWriteLines(
        status.own,
        (id) => this.peers().find((p) => p.deviceId === id)?.name ?? "?",
      ),
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
    // peers.json is the truth (it may have been edited by hand since start).
    this.transport.setPeer(record.deviceId, record.url);
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

  private logSkipped(skips: readonly Skip[], result: ScanResult): void {
    for (const s of skips) {
      this.log.fileOnly.info(
        { event: "index-skipped", location: result.locationId, path: s.path, reason: s.reason },
        `skipped ${s.path}: ${s.reason}`,
      );
    }
    this.log.pino.info(
      {
        event: "index-skipped-total",
        location: result.locationId,
        skipped: result.skippedCount,
        newly: skips.length,
      },
      `${result.path}: ${result.skippedCount} skipped (each named in ${this.log.file})`,
    );
  }

  /** Stops watchers, timers and peers, closes the replica (and its DB), flushes logs, unlocks. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.monitor?.close();
    await this.locations.close();
    try {
      this.replica.close();
    } finally {
      this.timers.close();
      this.log.pino.info({ event: "host-closed" }, "peer stopped");
      this.log.flush();
      this.lock.release();
    }
  }
}

function counts(r: ScanResult) {
  return {
    created: r.created,
    updated: r.updated,
    moved: r.moved,
    deleted: r.deleted,
    skipped: r.skippedCount,
  };
}

/** "+3 new, 1 changed, 2 moved, -1 deleted" (only the non-zero parts), or "no change". */
export function describeCounts(r: ScanResult): string {
  const parts = [
    r.created > 0 ? `${r.created} new` : "",
    r.updated > 0 ? `${r.updated} changed` : "",
    r.moved > 0 ? `${r.moved} moved` : "",
    r.deleted > 0 ? `${r.deleted} deleted` : "",
    r.skippedCount > 0 ? `${r.skippedCount} skipped` : "",
  ].filter((p) => p !== "");
  return parts.length === 0 ? "no change" : parts.join(", ");
}

/** The device's own name when `init` is given none. */
export function defaultDeviceName(): string {
  return `${hostname()}-${platform()}`;
}
