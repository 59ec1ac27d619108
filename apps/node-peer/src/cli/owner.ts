// The process that owns a data dir for a while (`serve`, a foreground
// `watch`): serves the admin API, advertises itself in serve.json, and on
// SIGINT/SIGTERM stops cleanly (watchers, servers, replica, DB, logs); a
// second signal exits at once.
import { rmSync } from "node:fs";
import { startAdminServer } from "../admin/admin-server.js";
import { createAdminToken, removeAdminToken } from "../admin/admin-token.js";
import { writeServeInfo } from "../config/data-dir.js";
import { LocalApi } from "../local-api.js";
import type { PeerNode } from "../peer-node.js";
import type { RunningServer } from "../server.js";

export type Owner = {
  readonly adminPort: number;
  /** Resolves once a signal (or an admin shutdown, or stop()) has stopped everything. */
  readonly done: Promise<void>;
  stop(why: string): Promise<void>;
};

/** SIGINT/SIGTERM caught from now on; one that arrives before an owner is ready waits for it. */
export type SignalTrap = { handle(onSignal: (signal: NodeJS.Signals) => void): void };

/**
 * Installed before the sync port opens: a supervisor may signal as soon as
 * the port answers, and Node's default would kill us without cleaning up.
 */
export function trapSignals(): SignalTrap {
  let pending: NodeJS.Signals[] = [];
  let handler: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (handler === undefined) pending.push(signal);
    else handler(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    handle(next) {
      handler = next;
      for (const signal of pending) next(signal);
      pending = [];
    },
  };
}

export async function own(opts: {
  readonly node: PeerNode;
  readonly role: "serve" | "watch";
  readonly adminPort: number;
  readonly sync?: RunningServer;
  readonly signals?: SignalTrap;
}): Promise<Owner> {
  const { node, sync } = opts;
  const log = node.log.pino;
  let stopping: Promise<void> | undefined;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ event: "shutdown", why }, `shutting down (${why})`);
      rmSync(node.paths.serve, { force: true });
      removeAdminToken(node.paths.adminToken);
      // Let in-flight pushes and pulls finish (bounded): what does not is
      // recovered by the next exchange, never lost.
      await Promise.race([node.replica.idle(), new Promise((r) => setTimeout(r, 2_000))]);
      await Promise.allSettled([sync?.close(), admin.close()]);
      await node.close();
      finished();
    })();
    return stopping;
  };
  const admin = await startAdminServer({
    node,
    api: new LocalApi(node, true),
    port: opts.adminPort,
    token: createAdminToken(node.paths.adminToken),
    onShutdown: () => {
      void stop("admin request");
    },
  });
  writeServeInfo(node.paths, {
    pid: process.pid,
    role: opts.role,
    ...(sync === undefined ? {} : { port: sync.port, url: sync.url }),
    adminPort: admin.port,
    startedAt: new Date().toISOString(),
  });
  let signals = 0;
  (opts.signals ?? trapSignals()).handle((signal) => {
    signals++;
    if (signals > 1) process.exit(130); // second Ctrl-C: leave now
    void stop(signal);
  });
  return { adminPort: admin.port, done, stop };
}
