// The peer bench's peers: real `tidemark serve --test-control` processes
// on 127.0.0.1, each with its own data dir, driven through TestControl
// (commit, watermarks, peers, engine metrics) and read through the admin
// API's /metrics (wire bytes). The one place that says how a bench peer is
// started and called: when serve moves to mutual TLS, only this changes.
import { spawnSync } from "node:child_process";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { TestControlService } from "@tidemark/protocol/test-control";
import { AdminClient } from "../src/admin/admin-client.js";
import { dataDirPaths } from "../src/config/data-dir.js";
import { freePort, spawnServe, TIDEMARK_BIN, waitFor } from "../src/demo/processes.js";
import { fromHex } from "../src/ids.js";
import { WireMeter } from "../src/wire-meter.js";

/** The bench's own TestControl sockets: their bytes are not peer traffic. */
const controlMeter = new WireMeter();

export type BenchPeer = {
  readonly name: string;
  readonly url: string;
  readonly deviceId: string;
  readonly pid: number;
  readonly control: Client<typeof TestControlService>;
  /** Engine metrics (sum over label sets of one name: `metric(name)`). */
  metric(name: string): Promise<number>;
  /** TCP payload bytes in + out of the process's sync server and clients (the admin API's wire meter). */
  wireBytes(): Promise<number>;
  stop(): Promise<void>;
};

function cli(dataDir: string, args: readonly string[]): string {
  const r = spawnSync(process.execPath, [TIDEMARK_BIN, "--data", dataDir, ...args], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`tidemark ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A new device: of a new library when `libraryId` is unset. */
export function initDevice(dataDir: string, name: string, libraryId?: string): string {
  cli(dataDir, [
    "init",
    "--library",
    "bench",
    ...(libraryId === undefined ? [] : ["--library-id", libraryId]),
    "--name",
    name,
  ]);
  return (JSON.parse(cli(dataDir, ["info", "--json"])) as { libraryId: string }).libraryId;
}

function sumOf(values: Record<string, number>, name: string): number {
  let total = 0;
  for (const [k, v] of Object.entries(values))
    if (k === name || k.startsWith(`${name}{`)) total += v;
  return total;
}

/** Starts `serve` on an initialised data dir; resolves once TestControl answers. */
export async function startPeer(work: string, name: string, dataDir: string): Promise<BenchPeer> {
  const port = await freePort();
  const adminPort = await freePort();
  // h2c on loopback with TestControl, as the chaos harness runs peers; for
  // mutual TLS, drop --insecure-loopback and give the clients below the
  // device's certificate (the one place to change).
  const serve = spawnServe(dataDir, port, adminPort, join(work, `${name}.out`), [
    "--insecure-loopback",
    "--test-control",
    "--log-level",
    "warn",
  ]);
  const url = `http://127.0.0.1:${port}`;
  const control = createClient(
    TestControlService,
    createConnectTransport({
      baseUrl: url,
      httpVersion: "2",
      nodeOptions: {
        createConnection: () => {
          const socket = netConnect({ host: "127.0.0.1", port });
          controlMeter.track(socket);
          return socket;
        },
      },
    }),
  );
  const info = await waitFor(
    `${name} to serve`,
    async () => {
      if (serve.child.exitCode !== null) throw new Error(`${name} exited`);
      return control.info({});
    },
    60_000,
  );
  const admin = new AdminClient(adminPort, dataDirPaths(dataDir).adminToken, 30_000);
  return {
    name,
    url,
    deviceId: Buffer.from(info.deviceId).toString("hex"),
    pid: serve.child.pid as number,
    control,
    metric: async (m) => sumOf((await control.metrics({})).values, m),
    wireBytes: async () => {
      const text = await admin.metrics();
      const read = (m: string) => Number(new RegExp(`^${m} (\\S+)`, "m").exec(text)?.[1] ?? 0);
      return read("tidemark_wire_bytes_in_total") + read("tidemark_wire_bytes_out_total");
    },
    stop: async () => {
      serve.child.kill("SIGTERM");
      await serve.exited;
    },
  };
}

/** Each of `peers` syncs with every other (TestControl SetPeers checks each by Hello). */
export async function mesh(peers: readonly BenchPeer[]): Promise<void> {
  for (const p of peers) {
    await p.control.setPeers({
      peers: peers
        .filter((q) => q !== p)
        .map((q) => ({ deviceId: fromHex(q.deviceId), url: q.url })),
    });
  }
}

/**
 * Bytes the peers sent each other so far: every peer-to-peer byte is counted
 * by both ends, every byte of the bench's own calls by the peer and by the
 * bench's meter.
 */
export async function peerTraffic(peers: readonly BenchPeer[]): Promise<number> {
  const all = (await Promise.all(peers.map((p) => p.wireBytes()))).reduce((x, y) => x + y, 0);
  return (all - controlMeter.bytesIn - controlMeter.bytesOut) / 2;
}
