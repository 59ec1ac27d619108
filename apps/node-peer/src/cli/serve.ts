// `tidemark serve`: the long-running peer. Serves SyncService over HTTP/2,
// /metrics and the admin API, syncs with every known peer, follows the
// watched locations (all of them with --watch), and shuts down cleanly on
// SIGINT/SIGTERM (watchers, servers, DB closed, logs flushed).
import {
  DEFAULT_BOUNDS,
  DEFAULT_SYNC_CONFIG,
  type ReplicaBounds,
  type SyncConfig,
} from "@tidemark/engine";
import { type Command, Option } from "commander";
import { CliError, CliErrorCode } from "../errors.js";
import type { BufferLimits } from "../test-control/service.js";
import { commonOptions, say } from "./common.js";
import type { ProgramOptions } from "./program.js";

type ServeFlags = {
  port: string;
  adminPort: string;
  host: string;
  watch?: boolean;
  pageChanges?: string;
  exchangeIntervalMs?: string;
  reconcileDeferMs?: string;
  throttleMs?: string;
  pendingBufferMax?: string;
  dependencyBufferMax?: string;
  testControl?: boolean;
  insecureLoopback?: boolean;
};

function parsePort(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new CliError(CliErrorCode.InvalidArgument, `${what} must be 0..65535, got "${text}"`);
  }
  return n;
}

function parsePositive(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `${what} must be a positive integer, got "${text}"`,
    );
  }
  return n;
}

/** An optional flag's positive integer; undefined when the flag is absent. */
function optionalPositive(text: string | undefined, what: string): number | undefined {
  return text === undefined ? undefined : parsePositive(text, what);
}

/** Longest timer a flag may set: a day. */
const MAX_TIMER_MS = 86_400_000;

function parseMs(text: string, what: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > MAX_TIMER_MS) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `${what} must be an integer ${min}..${MAX_TIMER_MS} (ms), got "${text}"`,
    );
  }
  return n;
}

/**
 * Sync timers from --exchange-interval-ms / --reconcile-defer-ms (test
 * harnesses: a conformance scenario waits for them). Realtime traffic
 * skips a periodic exchange for half an interval, as with the defaults.
 */
export function timerConfig(flags: {
  readonly exchangeIntervalMs?: string | undefined;
  readonly reconcileDeferMs?: string | undefined;
}): Partial<SyncConfig> {
  const out: { -readonly [K in keyof SyncConfig]?: SyncConfig[K] } = {};
  if (flags.exchangeIntervalMs !== undefined) {
    const ms = parseMs(flags.exchangeIntervalMs, "--exchange-interval-ms", 100);
    out.periodicExchangeMs = ms;
    out.realtimeActivityWindowMs = Math.min(
      DEFAULT_SYNC_CONFIG.realtimeActivityWindowMs,
      Math.floor(ms / 2),
    );
  }
  if (flags.reconcileDeferMs !== undefined)
    out.reconcileDeferMs = parseMs(flags.reconcileDeferMs, "--reconcile-defer-ms", 0);
  return out;
}

/**
 * Buffer bounds from --pending-buffer-max / --dependency-buffer-max (test
 * harnesses lower them, so a conformance case fills a buffer past its
 * bound with a few rows) and the bounds then in force.
 */
export function bufferConfig(flags: {
  readonly pendingBufferMax?: string | undefined;
  readonly dependencyBufferMax?: string | undefined;
}): { sync: Partial<SyncConfig>; bounds: Partial<ReplicaBounds>; limits: BufferLimits } {
  const pending = optionalPositive(flags.pendingBufferMax, "--pending-buffer-max");
  const dependency = optionalPositive(flags.dependencyBufferMax, "--dependency-buffer-max");
  return {
    sync: pending === undefined ? {} : { pendingBufferMax: pending },
    bounds: dependency === undefined ? {} : { dependencyRowsPerOrigin: dependency },
    limits: {
      pendingBufferMax: pending ?? DEFAULT_SYNC_CONFIG.pendingBufferMax,
      // The engine holds the lowest of the per-origin and total row bounds.
      dependencyBufferMaxPerOrigin: Math.min(
        dependency ?? DEFAULT_BOUNDS.dependencyRowsPerOrigin,
        DEFAULT_BOUNDS.dependencyRows,
        DEFAULT_SYNC_CONFIG.dependencyBufferMax,
      ),
    },
  };
}

/** TestControl writes rows and rewires peers for whoever reaches it: loopback only. */
async function refuseTestControlOff(host: string): Promise<void> {
  const { isLoopbackHost } = await import("../test-control/loopback.js");
  if (!isLoopbackHost(host)) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `--test-control is refused on --host ${host}: it lets any caller write rows and rewire peers`,
      "serve it on a loopback address (127.0.0.1 or ::1)",
    );
  }
}

/** Cleartext lets anyone who reaches the port in: loopback only. */
async function refuseInsecureOff(host: string): Promise<void> {
  const { isLoopbackHost } = await import("../test-control/loopback.js");
  if (!isLoopbackHost(host)) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `--insecure-loopback is refused on --host ${host}: cleartext would let anyone on the network read and write the library`,
      "serve it on 127.0.0.1 or ::1, or drop --insecure-loopback (mutual TLS, paired devices only)",
    );
  }
}

export function registerServe(program: Command, options: ProgramOptions = {}): void {
  program
    .command("serve")
    .description("run the peer: Connect over HTTP/2, /metrics, sync with every known peer")
    .option("--port <n>", "SyncService port (0 = any free port)", "7400")
    .option("--admin-port <n>", "port of /metrics and the local admin API (0 = any)", "0")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option(
      "--watch",
      "follow every location of this device live (else only those `tidemark watch` marked)",
    )
    .option("--page-changes <n>", "most changes per backfill page this device asks for")
    .option(
      "--exchange-interval-ms <n>",
      "periodic watermark exchange with each peer, ms (default 60000; 100..86400000; test harnesses shorten it)",
    )
    .option(
      "--reconcile-defer-ms <n>",
      "how long a deferred reconcile of an unchanged mismatch waits, ms (default half the exchange interval; 0..86400000)",
    )
    .option(
      "--pending-buffer-max <n>",
      `most realtime changes held for a gap in one stream (default ${DEFAULT_SYNC_CONFIG.pendingBufferMax}; test harnesses lower it)`,
    )
    .option(
      "--dependency-buffer-max <n>",
      `most changes held for a missing parent row, per origin (default ${DEFAULT_BOUNDS.dependencyRowsPerOrigin}; test harnesses lower it)`,
    )
    // Test/demo only: slows every streamed response page, like a slow link.
    .addOption(new Option("--throttle-ms <n>", "delay per streamed response message").hideHelp())
    .option(
      "--insecure-loopback",
      "cleartext HTTP/2 (h2c), no device authentication: callers' claimed ids are believed; loopback --host only (test harnesses, buf curl without certificates)",
    )
    .option(
      "--test-control",
      "also serve TestControl for test harnesses (tidemark-chaos); loopback --host only",
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      const opts = commonOptions(cmd);
      const port = parsePort(flags.port, "--port");
      const adminPort = parsePort(flags.adminPort, "--admin-port");
      const pageChanges = optionalPositive(flags.pageChanges, "--page-changes");
      const throttleMs = optionalPositive(flags.throttleMs, "--throttle-ms");
      const timers = timerConfig(flags);
      const buffers = bufferConfig(flags);
      const syncConfig = {
        ...timers,
        ...buffers.sync,
        ...(pageChanges === undefined ? {} : { pageMaxChanges: pageChanges }),
      };
      if (flags.testControl === true) await refuseTestControlOff(flags.host);
      const insecure = flags.insecureLoopback === true;
      if (insecure) await refuseInsecureOff(flags.host);
      const { acquireOwnership } = await import("./target.js");
      const { PeerNode } = await import("../peer-node.js");
      const { startSyncServer } = await import("../server.js");
      const { own, trapSignals } = await import("./owner.js");
      const signals = trapSignals();
      const lock = await acquireOwnership(opts, "serve");
      const level = opts.logLevel as "debug" | "info" | "warn" | "error" | "silent";
      // TestControl may set the wall clock (SetClock): only a run that serves it gets one that moves.
      const clock =
        flags.testControl === true ? new (await import("../ports.js")).SteerableClock() : undefined;
      let node: import("../peer-node.js").PeerNode;
      try {
        node = await PeerNode.open({
          dataDir: opts.data,
          lock,
          serving: true,
          insecureLoopback: insecure,
          ...(options.replicaParts === undefined ? {} : { replicaParts: options.replicaParts }),
          terminalLevel: level,
          fileLevel: level === "debug" ? "debug" : "info",
          ...(Object.keys(syncConfig).length === 0 ? {} : { sync: syncConfig }),
          ...(Object.keys(buffers.bounds).length === 0 ? {} : { bounds: buffers.bounds }),
          ...(clock === undefined ? {} : { clock }),
        });
      } catch (err) {
        lock.release();
        throw err;
      }
      const control =
        clock === undefined
          ? undefined
          : (await import("../test-control/service.js")).testControl(node, {
              ...buffers.limits,
              periodicExchangeMs:
                timers.periodicExchangeMs ?? DEFAULT_SYNC_CONFIG.periodicExchangeMs,
              clock,
            });
      let sync: Awaited<ReturnType<typeof startSyncServer>>;
      try {
        sync = await startSyncServer({
          service: node.replica.service,
          security: node.listenerSecurity(insecure),
          libraryInfo: () => ({
            libraryId: node.deviceConfig.libraryId,
            libraryName: node.deviceConfig.libraryName,
            deviceId: node.deviceConfig.deviceId,
            deviceName: node.deviceConfig.deviceName,
          }),
          port,
          host: flags.host,
          meter: node.meter,
          logger: node.log.pino,
          onBreach: (limit) =>
            node.hostMetrics.inc("tidemark_server_limit_breaches_total", { limit }),
          ...(throttleMs === undefined ? {} : { throttleMs }),
          ...(control === undefined ? {} : { moreRoutes: control.routes }),
        });
      } catch (err) {
        await node.close();
        throw err;
      }
      const owner = await own({ node, role: "serve", adminPort, sync, signals });
      node.start();
      if (flags.watch === true) await node.locations.watchEverything();
      const locs = node.locations.all().filter((l) => flags.watch === true || l.watch === true);
      for (const loc of locs) await node.locations.watch(loc, false);
      const name = node.deviceConfig.deviceName;
      node.log.pino.info(
        {
          event: "listening",
          port: sync.port,
          adminPort: owner.adminPort,
          url: sync.url,
          logFile: node.paths.logFile,
        },
        `serving ${name} on ${sync.url}`,
      );
      say(
        `serving   ${name} on ${sync.url}${insecure ? " (cleartext, no authentication: --insecure-loopback)" : " (mutual TLS: paired devices only)"}`,
      );
      say(`device id ${node.identity.deviceId}  (${node.identity.shortForm})`);
      say(`metrics   http://127.0.0.1:${owner.adminPort}/metrics`);
      say(`log file  ${node.paths.logFile}`);
      say(
        flags.watch === true
          ? `watching  every location${locs.length === 0 ? " (none yet: `tidemark index DIR`)" : `: ${locs.map((l) => l.path).join(", ")}`}`
          : locs.length === 0
            ? `watching  nothing (${node.locations.all().length} location(s); --watch or \`tidemark watch PATH\` to follow them)`
            : `watching  ${locs.map((l) => l.path).join(", ")}`,
      );
      if (control !== undefined) say(`test      TestControl on ${sync.url} (test harnesses only)`);
      say(`stop      Ctrl-C, or kill ${process.pid}`);
      await owner.done;
      control?.close();
    });
}
