// Test harness: one real node-peer process (`tidemark serve`, h2c on
// 127.0.0.1) in a temp dir, optionally running a known-bad engine variant,
// started once and reused by every case of a protocol.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { PROTOCOL_VERSION, SyncService } from "@tidemark/protocol";

const REPO = join(import.meta.dirname, "..", "..", "..");
const TIDEMARK = join(REPO, "apps", "node-peer", "bin", "tidemark");
const VARIANT_ENTRY = join(import.meta.dirname, "variant-tidemark.ts");

/**
 * `serve` flags: the kit plays a fresh device per case, which mutual TLS
 * would need paired first, so the target serves h2c on loopback.
 * TIDEMARK_CONFORMANCE_SERVE_FLAGS replaces them.
 */
export const SERVE_FLAGS = (process.env.TIDEMARK_CONFORMANCE_SERVE_FLAGS ?? "--insecure-loopback")
  .split(/\s+/)
  .filter((s) => s !== "");

export type RunningPeer = {
  readonly url: string;
  readonly library: string;
  readonly dir: string;
  stop(): Promise<void>;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The command that runs `tidemark`, with a known-bad variant when asked. */
export function tidemarkCommand(variant?: string): string[] {
  return tidemarkArgv(variant);
}

function tidemarkArgv(variant: string | undefined): string[] {
  return variant === undefined
    ? [TIDEMARK]
    : ["--conditions=source", "--import", import.meta.resolve("tsx"), VARIANT_ENTRY, variant];
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export async function startNodePeer(
  opts: { variant?: string; readyMs?: number; serveFlags?: readonly string[] } = {},
): Promise<RunningPeer> {
  const flags = opts.serveFlags ?? SERVE_FLAGS;
  // Without --insecure-loopback, serve is mutual TLS: nobody unpaired gets a Hello.
  const tls = !flags.includes("--insecure-loopback");
  const dir = mkdtempSync(join(tmpdir(), "tidemark-conformance-"));
  const library = randomBytes(16).toString("hex");
  const argv = tidemarkArgv(opts.variant);
  const init = spawnSync(
    process.execPath,
    [
      ...argv,
      "--data",
      dir,
      "init",
      "--library",
      "conformance",
      "--library-id",
      library,
      "--name",
      "target",
    ],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`tidemark init failed (${init.status}): ${init.stderr}`);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [...argv, "--data", dir, "--log-level", "warn", "serve", "--port", String(port), ...flags],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const client = createClient(
    SyncService,
    createConnectTransport({ baseUrl: url, httpVersion: "2" }),
  );
  const deadline = Date.now() + (opts.readyMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`tidemark serve exited (${child.exitCode}): ${stderr}`);
    }
    try {
      if (tls) {
        if (await portOpen(port)) return { url, library, dir, stop };
        throw new Error("not listening yet");
      }
      await client.hello(
        {
          libraryId: Buffer.from(library, "hex"),
          deviceId: randomBytes(16),
          protocolVersion: PROTOCOL_VERSION,
        },
        { timeoutMs: 2_000 },
      );
      return { url, library, dir, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`tidemark serve did not answer Hello on ${url}: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
