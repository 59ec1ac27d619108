// Where a command runs: through the process that owns the data dir (a
// running `serve` or foreground `watch`, via its admin API), or, when none
// runs, on a PeerNode opened in this process under the data dir's lock.
// A command that finds the lock held by another short command waits for it.
import http from "node:http";
import { AdminClient } from "../admin/admin-client.js";
import { readAdminToken } from "../admin/admin-token.js";
import type { PeerApi } from "../api.js";
import { dataDirPaths, loadConfig, readServeInfo, type ServeInfo } from "../config/data-dir.js";
import { type DataDirLock, isLock, type LockHolder, pidAlive, tryLock } from "../config/lock.js";
import { CliError, CliErrorCode } from "../errors.js";
import type { PeerNode } from "../peer-node.js";

export type CommonOptions = { readonly data: string; readonly logLevel: string };

/** How long a command waits for another one to release the data dir. */
export const LOCK_WAIT_MS = 20_000;

function answers(port: number, token: string | undefined): Promise<boolean> {
  if (token === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    const headers = { authorization: `Bearer ${token}` };
    const req = http.get(
      { host: "127.0.0.1", port, path: "/metrics", timeout: 1_500, headers },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/**
 * The live owner (serve or foreground watch) of this data dir, or
 * undefined. A stale serve.json (SIGKILLed owner, reused pid) is detected
 * by asking its admin port.
 */
export async function runningOwner(dataDir: string): Promise<ServeInfo | undefined> {
  const paths = dataDirPaths(dataDir);
  const info = readServeInfo(paths);
  if (info === undefined || !pidAlive(info.pid)) return undefined;
  return (await answers(info.adminPort, readAdminToken(paths.adminToken))) ? info : undefined;
}

function busy(dataDir: string, holder: LockHolder): CliError {
  return new CliError(
    CliErrorCode.DataDirBusy,
    `${dataDir} is in use by \`tidemark ${holder.command}\` (pid ${holder.pid})`,
    "wait for it to finish, or stop it",
  );
}

/**
 * Takes the data dir's lock, waiting up to `waitMs` for a holder to let go;
 * returns early (undefined) when an owner with an admin API appears.
 */
async function lockOrOwner(
  dataDir: string,
  command: string,
  waitMs: number,
): Promise<DataDirLock | ServeInfo> {
  const paths = dataDirPaths(dataDir);
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    const owner = await runningOwner(dataDir);
    if (owner !== undefined) return owner;
    const got = tryLock(paths, command);
    if (isLock(got)) return got;
    if (Date.now() > deadline) throw busy(dataDir, got);
    if (!told && Date.now() > deadline - waitMs + 1_000) {
      told = true;
      process.stderr.write(
        `tidemark: waiting for \`tidemark ${got.command}\` (pid ${got.pid}) to release ${dataDir}…\n`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs `fn` against the data dir's owner if one runs, else against a node
 * opened here (and closed after). `command` names this command in the lock.
 */
export async function withApi<T>(
  opts: CommonOptions,
  command: string,
  fn: (api: PeerApi, where: "owner" | "local") => Promise<T>,
): Promise<T> {
  loadConfig(dataDirPaths(opts.data)); // not initialised: fail before waiting for anything
  const got = await lockOrOwner(opts.data, command, LOCK_WAIT_MS);
  if (!("release" in got)) {
    return fn(new AdminClient(got.adminPort, dataDirPaths(opts.data).adminToken), "owner");
  }
  // Only a command that opens the DB itself loads the engine, SQLite and Connect.
  const [{ PeerNode }, { LocalApi }] = await Promise.all([
    import("../peer-node.js"),
    import("../local-api.js"),
  ]);
  let node: PeerNode;
  try {
    node = await PeerNode.open({
      dataDir: opts.data,
      lock: got,
      terminalLevel: opts.logLevel === "silent" ? "silent" : "warn",
    });
  } catch (err) {
    got.release();
    throw err;
  }
  try {
    return await fn(new LocalApi(node), "local");
  } finally {
    await node.close();
  }
}

/**
 * For `serve` and a foreground `watch`: the data dir's lock, refusing when
 * another owner runs (a short command holding the lock is waited for).
 */
export async function acquireOwnership(opts: CommonOptions, role: string): Promise<DataDirLock> {
  loadConfig(dataDirPaths(opts.data));
  const got = await lockOrOwner(opts.data, role, LOCK_WAIT_MS);
  if ("release" in got) return got;
  throw new CliError(
    CliErrorCode.ServeRunning,
    `a \`tidemark ${got.role}\` (pid ${got.pid}) already runs for ${opts.data}`,
    got.role === "watch" ? "stop it (Ctrl-C), then `tidemark serve --watch`" : undefined,
  );
}
