// `tidemark serve`: the long-running peer. Serves SyncService over HTTP/2,
// /metrics and the admin API, syncs with every known peer, and shuts down
// cleanly on SIGINT/SIGTERM (servers closed, DB closed, logs flushed).
import { rmSync } from "node:fs";
import { type Command, Option } from "commander";
import { startAdminServer } from "../admin/admin-server.js";
import { dataDirPaths, loadConfig, writeServeInfo } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import { PeerNode } from "../peer-node.js";
import { startSyncServer } from "../server.js";
import { commonOptions } from "./common.js";
import { runningServe } from "./target.js";

type ServeFlags = {
  port: string;
  adminPort: string;
  host: string;
  pageChanges?: string;
  throttleMs?: string;
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

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the peer: Connect over HTTP/2, /metrics, sync with every known peer")
    .option("--port <n>", "SyncService port (0 = any free port)", "7400")
    .option("--admin-port <n>", "port of /metrics and the local admin API (0 = any)", "0")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--page-changes <n>", "most changes per backfill page this device asks for")
    // Test/demo only: slows every streamed response page, like a slow link.
    .addOption(new Option("--throttle-ms <n>", "delay per streamed response message").hideHelp())
    .action(async (flags: ServeFlags, cmd: Command) => {
      const opts = commonOptions(cmd);
      const paths = dataDirPaths(opts.data);
      loadConfig(paths); // fails early with a clear error when not initialised
      const port = parsePort(flags.port, "--port");
      const adminPort = parsePort(flags.adminPort, "--admin-port");
      if ((await runningServe(opts.data)) !== undefined) {
        throw new CliError(CliErrorCode.ServeRunning, `a serve already runs for ${opts.data}`);
      }
      const level = opts.logLevel as "debug" | "info" | "warn" | "error" | "silent";
      const node = await PeerNode.open({
        dataDir: opts.data,
        serving: true,
        terminalLevel: level,
        fileLevel: level === "debug" ? "debug" : "info",
        ...(flags.pageChanges === undefined
          ? {}
          : { sync: { pageMaxChanges: parsePositive(flags.pageChanges, "--page-changes") } }),
      });
      const log = node.log.pino;
      let stopping: Promise<void> | undefined;
      const stop = (why: string): Promise<void> => {
        stopping ??= (async () => {
          log.info({ event: "shutdown", why }, `shutting down (${why})`);
          rmSync(paths.serve, { force: true });
          // Let in-flight pushes and pulls finish (bounded): what does not
          // is recovered by the next exchange, never lost.
          await Promise.race([node.replica.idle(), new Promise((r) => setTimeout(r, 2_000))]);
          await Promise.allSettled([sync.close(), admin.close()]);
          node.close();
        })();
        return stopping;
      };
      const sync = await startSyncServer({
        service: node.replica.service,
        port,
        host: flags.host,
        meter: node.meter,
        logger: log,
        ...(flags.throttleMs === undefined
          ? {}
          : { throttleMs: parsePositive(flags.throttleMs, "--throttle-ms") }),
      });
      const admin = await startAdminServer(node, adminPort, () => {
        void stop("admin request").then(() => process.exit(0));
      });
      writeServeInfo(paths, {
        pid: process.pid,
        port: sync.port,
        adminPort: admin.port,
        startedAt: new Date().toISOString(),
      });
      node.start();
      log.info(
        { event: "listening", port: sync.port, adminPort: admin.port, url: sync.url },
        `serving ${node.deviceConfig.deviceName} on ${sync.url} (metrics http://127.0.0.1:${admin.port}/metrics)`,
      );
      await new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals) => {
          signals++;
          if (signals > 1) process.exit(130); // second Ctrl-C: leave now
          void stop(signal).then(resolve);
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
      });
    });
}
