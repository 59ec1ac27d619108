// Where a command runs: through the running `serve` of this data dir (its
// admin API), or, when none runs, on a PeerNode opened in this process.
import http from "node:http";
import { AdminClient } from "../admin/admin-client.js";
import { dataDirPaths, readServeInfo } from "../config/data-dir.js";
import { PeerNode } from "../peer-node.js";

export type Target =
  | { readonly kind: "remote"; readonly admin: AdminClient }
  | { readonly kind: "local"; readonly node: PeerNode };

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/metrics", timeout: 1_500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/**
 * The admin port of a live `serve` for this data dir, or undefined. A stale
 * serve.json (SIGKILLed serve, reused pid) is detected by asking the port.
 */
export async function runningServe(dataDir: string): Promise<number | undefined> {
  const info = readServeInfo(dataDirPaths(dataDir));
  if (info === undefined || !pidAlive(info.pid)) return undefined;
  return (await answers(info.adminPort)) ? info.adminPort : undefined;
}

export type CommonOptions = { readonly data: string; readonly logLevel: string };

/** Runs `fn` against the running serve if there is one, else a local node (closed after). */
export async function withTarget<T>(
  opts: CommonOptions,
  fn: (t: Target) => Promise<T>,
): Promise<T> {
  const adminPort = await runningServe(opts.data);
  if (adminPort !== undefined) return fn({ kind: "remote", admin: new AdminClient(adminPort) });
  const node = await PeerNode.open({
    dataDir: opts.data,
    terminalLevel: opts.logLevel === "silent" ? "silent" : "warn",
  });
  try {
    return await fn({ kind: "local", node });
  } finally {
    node.close();
  }
}
