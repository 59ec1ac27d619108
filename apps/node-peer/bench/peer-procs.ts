// The peer bench's peers: real `tidemark serve --test-control` processes
// on 127.0.0.1 over mutual TLS (as users run them), each with its own data
// dir, paired through the admin API (`peer add`, pinned ids), driven
// through TestControl (commit, watermarks, engine metrics) and read through
// the admin API's /metrics (wire bytes). The one place that says how a
// bench peer is started and called. TestControl sits behind the listener's
// gate (paired devices only), so the bench calls it with the certificate
// of a device the peer has paired (`drive`): no extra device that the peer
// would wait on (§3.7) or push to.
import { spawnSync } from "node:child_process";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { TestControlService } from "@tidemark/protocol/test-control";
import { AdminClient } from "../src/admin/admin-client.js";
import { dataDirPaths, loadConfig } from "../src/config/data-dir.js";
import { freePort, spawnServe, TIDEMARK_BIN, waitFor } from "../src/demo/processes.js";
import { type DeviceIdentity, loadIdentity } from "../src/identity/device-identity.js";
import { pinnedTlsOptions, probePeerCertificate } from "../src/net/pinned-tls.js";
import { peerHandshake } from "../src/peer-handshake.js";
import { WireMeter } from "../src/wire-meter.js";

/** The bench's own TestControl sockets: their bytes are not peer traffic. */
const controlMeter = new WireMeter();

export type BenchPeer = {
  readonly name: string;
  readonly url: string;
  readonly deviceId: string;
  readonly pid: number;
  /** TestControl, once `drive` gave it a paired device's certificate. */
  readonly control: Client<typeof TestControlService>;
  readonly identity: DeviceIdentity;
  /** Calls TestControl from now on as `as`, a device this peer has paired. */
  drive(as: BenchPeer): Promise<void>;
  /** Pairs `other` (Hello with pinned ids, then the admin API's addPeer). */
  pair(other: BenchPeer): Promise<void>;
  unpair(other: BenchPeer): Promise<void>;
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

/** A TestControl client over mutual TLS as `me`, pinned to `deviceId`'s certificate; metered apart. */
async function controlClient(port: number, deviceId: string, me: DeviceIdentity) {
  const creds = { keyPem: me.keyPem, certPem: me.certPem };
  const certPem = await probePeerCertificate("127.0.0.1", port, creds, deviceId);
  const tls = pinnedTlsOptions(`127.0.0.1:${port}`, creds, deviceId, certPem);
  return createClient(
    TestControlService,
    createConnectTransport({
      baseUrl: `https://127.0.0.1:${port}`,
      httpVersion: "2",
      nodeOptions: {
        createConnection: () => {
          const raw = netConnect({ host: "127.0.0.1", port });
          controlMeter.track(raw);
          return tlsConnect({ ...tls, socket: raw });
        },
      },
    }),
  );
}

/** Starts `serve` (mutual TLS) on an initialised data dir; resolves once its admin API answers. */
export async function startPeer(work: string, name: string, dataDir: string): Promise<BenchPeer> {
  const port = await freePort();
  const adminPort = await freePort();
  const serve = spawnServe(dataDir, port, adminPort, join(work, `${name}.out`), [
    "--test-control",
    "--log-level",
    "warn",
  ]);
  const paths = dataDirPaths(dataDir);
  const config = loadConfig(paths);
  const identity = await loadIdentity(paths, config.deviceId);
  const admin = new AdminClient(adminPort, paths.adminToken, 30_000);
  await waitFor(
    `${name} to serve`,
    async () => {
      if (serve.child.exitCode !== null) throw new Error(`${name} exited`);
      return admin.status({ probe: false });
    },
    60_000,
  );
  let control: Client<typeof TestControlService> | undefined;
  const driven = () => {
    if (control === undefined) throw new Error(`${name}: drive() it as a paired device first`);
    return control;
  };
  return {
    name,
    url: `https://127.0.0.1:${port}`,
    deviceId: config.deviceId,
    pid: serve.child.pid as number,
    identity,
    get control() {
      return driven();
    },
    drive: async (as) => {
      control = await controlClient(port, config.deviceId, as.identity);
      await control.info({});
    },
    pair: async (other) => {
      const pin = { credentials: identity, expect: other.deviceId };
      await admin.addPeer(await peerHandshake(other.url, 10_000, config, pin));
    },
    unpair: async (other) => {
      await admin.removePeer({ peer: other.deviceId });
    },
    metric: async (m) => sumOf((await driven().metrics({})).values, m),
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

/** Each of `peers` pairs every other; each is then driven as the next one. */
export async function mesh(peers: readonly BenchPeer[]): Promise<void> {
  for (const p of peers) for (const q of peers) if (p !== q) await p.pair(q);
  for (const [i, p] of peers.entries()) await p.drive(peers[(i + 1) % peers.length] as BenchPeer);
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
