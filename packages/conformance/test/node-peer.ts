// Test harness: one real node-peer process (`tidemark serve` on 127.0.0.1:
// mutual TLS as the product ships, or h2c where a test needs claimed
// callers) in a temp dir, optionally running a known-bad engine variant,
// started once and reused by every case of a protocol.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { waitForServeInfo } from "@tidemark/node-peer/processes";
import { deviceIdFromSpki, PROTOCOL_VERSION, SyncService } from "@tidemark/protocol";
import { addIdentities, IdentityPool } from "../src/identities.js";

const REPO = join(import.meta.dirname, "..", "..", "..");
const TIDEMARK = join(REPO, "apps", "node-peer", "bin", "tidemark");
// Plain JS on the packages' dist/ (built by the global setup): a tsx
// loader would compile the sources again at each of the variant's starts.
const VARIANT_ENTRY = join(REPO, "apps", "node-peer", "test", "support", "variant-tidemark.mjs");

/**
 * `serve` flags of startNodePeer: h2c on loopback, claimed callers (the
 * known-bad table's client scenarios need it: the runner serves h2c and
 * the target must dial it). TIDEMARK_CONFORMANCE_SERVE_FLAGS replaces them;
 * startMtlsPeer serves mutual TLS.
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

export type RunningMtlsPeer = RunningPeer & {
  /** The target's device id (hex), which its certificate proves. */
  readonly deviceId: string;
  /** The identity pool the target paired (incoming only) before it served. */
  readonly identitiesDir: string;
  readonly identities: IdentityPool;
};

/**
 * node-peer serving mutual TLS, as the product ships, with `identities`
 * case identities made and paired (`peer add --ids-file`) before serve.
 */
export async function startMtlsPeer(opts: {
  identities: number;
  variant?: string;
}): Promise<RunningMtlsPeer> {
  let identitiesDir = "";
  const peer = await startNodePeer({
    ...opts,
    serveFlags: [],
    beforeServe: async (dir, argv) => {
      identitiesDir = join(dir, "conformance-identities");
      await addIdentities(identitiesDir, opts.identities);
      const pair = spawnSync(
        process.execPath,
        [
          ...argv,
          "--data",
          dir,
          "peer",
          "add",
          "--ids-file",
          join(identitiesDir, "device-ids.txt"),
        ],
        { encoding: "utf8", timeout: 120_000 },
      );
      if (pair.status !== 0) throw new Error(`tidemark peer add --ids-file failed: ${pair.stderr}`);
    },
  });
  const spki = new X509Certificate(
    readFileSync(join(peer.dir, "device-cert.pem")),
  ).publicKey.export({ type: "spki", format: "der" });
  return {
    ...peer,
    deviceId: Buffer.from(deviceIdFromSpki(new Uint8Array(spki))).toString("hex"),
    identitiesDir,
    identities: new IdentityPool(identitiesDir),
  };
}

/** The command that runs `tidemark`, with a known-bad variant when asked. */
export function tidemarkCommand(variant?: string): string[] {
  return tidemarkArgv(variant);
}

function tidemarkArgv(variant: string | undefined): string[] {
  return variant === undefined ? [TIDEMARK] : [VARIANT_ENTRY, variant];
}

export async function startNodePeer(
  opts: {
    variant?: string;
    readyMs?: number;
    serveFlags?: readonly string[];
    /** Runs after init, before serve (e.g. pairing), with the data dir and tidemark argv. */
    beforeServe?: (dir: string, argv: readonly string[]) => Promise<void>;
  } = {},
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
  try {
    await opts.beforeServe?.(dir, argv);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // Port 0: serve binds a port the OS picks and advertises it in serve.json;
  // a port picked ahead here could be taken by another socket meanwhile.
  const child: ChildProcess = spawn(
    process.execPath,
    [...argv, "--data", dir, "--log-level", "warn", "serve", "--port", "0", ...flags],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const readyMs = opts.readyMs ?? 90_000;
  let url: string;
  try {
    url = (await waitForServeInfo(dir, { child, exited }, readyMs, () => `: ${stderr}`)).url;
  } catch (err) {
    await stop();
    throw err;
  }
  if (tls) return { url, library, dir, stop };
  const client = createClient(
    SyncService,
    createConnectTransport({ baseUrl: url, httpVersion: "2" }),
  );
  const deadline = Date.now() + readyMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`tidemark serve exited (${child.exitCode}): ${stderr}`);
    }
    try {
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
