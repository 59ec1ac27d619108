// One demo device: its data dir, ports, serve process and admin client.
import { join } from "node:path";
import { AdminClient } from "../admin/admin-client.js";
import { dataDirPaths, loadConfig } from "../config/data-dir.js";
import { CliError, CliErrorCode } from "../errors.js";
import { type DeviceIdentity, loadIdentity } from "../identity/device-identity.js";
import { peerHandshake } from "../peer-handshake.js";
import type { AddPeerResult } from "../peer-node.js";
import {
  freePort,
  lastLines,
  runCli,
  type ServeProcess,
  spawnServe,
  waitFor,
} from "./processes.js";

// A port picked free can be taken (by any socket) before serve binds it:
// the first start tries new ports this many times.
const PORT_ATTEMPTS = 3;

export class DemoDevice {
  proc: ServeProcess | undefined;
  admin: AdminClient;
  deviceId = "";
  libraryId = "";
  restarts = 0;

  constructor(
    readonly name: string,
    readonly dataDir: string,
    public port: number,
    public adminPort: number,
  ) {
    this.admin = this.adminClient();
  }

  private adminClient(): AdminClient {
    return new AdminClient(this.adminPort, dataDirPaths(this.dataDir).adminToken, 300_000);
  }

  /** With `insecure`, the device serves h2c (--insecure-loopback) instead of mutual TLS. */
  insecure = false;

  get url(): string {
    return `${this.insecure ? "http" : "https"}://127.0.0.1:${this.port}`;
  }

  /** This device's key and certificate (the demo owns its data dir). */
  identity(): Promise<DeviceIdentity> {
    return loadIdentity(dataDirPaths(this.dataDir), this.deviceId);
  }

  get logFile(): string {
    return dataDirPaths(this.dataDir).logFile;
  }

  get terminalFile(): string {
    return join(this.dataDir, "logs", "terminal.log");
  }

  get running(): boolean {
    return (
      this.proc !== undefined &&
      this.proc.child.exitCode === null &&
      this.proc.child.signalCode === null
    );
  }

  async init(
    library: string,
    libraryId?: string,
  ): Promise<{ deviceId: string; libraryId: string }> {
    const args = [
      "init",
      "--data",
      this.dataDir,
      "--library",
      library,
      "--name",
      this.name,
      "--json",
    ];
    if (libraryId !== undefined) args.push("--library-id", libraryId);
    const r = await runCli(args);
    if (r.code !== 0) {
      throw new CliError(
        CliErrorCode.Internal,
        `init of ${this.name} failed (exit ${r.code}): ${r.stderr.trim()}`,
      );
    }
    const out = JSON.parse(r.stdout) as { deviceId: string; libraryId: string };
    this.deviceId = out.deviceId;
    this.libraryId = out.libraryId;
    return out;
  }

  /**
   * Starts `serve` and waits until its admin API answers. Before anyone
   * knows its URL (the first start), ports another socket took meanwhile
   * are replaced by new free ones; a restart keeps its ports.
   */
  async start(extraArgs: readonly string[] = [], timeoutMs = 30_000): Promise<void> {
    const first = this.proc === undefined;
    for (let attempt = 1; ; attempt++) {
      const failure = await this.startOnce(extraArgs, timeoutMs);
      if (failure === undefined) return;
      const portTaken = /in use|EADDRINUSE/.test(failure);
      if (!first || !portTaken || attempt >= PORT_ATTEMPTS) {
        throw new CliError(
          CliErrorCode.Internal,
          `${this.name} exited while starting; ${this.terminalFile} ends:\n${failure}`,
        );
      }
      this.port = await freePort();
      this.adminPort = await freePort();
      this.admin = this.adminClient();
    }
  }

  /** One start: undefined once serving, else the tail of its terminal log. */
  private async startOnce(
    extraArgs: readonly string[],
    timeoutMs: number,
  ): Promise<string | undefined> {
    const args = this.insecure ? ["--insecure-loopback", ...extraArgs] : extraArgs;
    this.proc = spawnServe(this.dataDir, this.port, this.adminPort, this.terminalFile, args);
    let gone = false;
    const exited = this.proc.exited.then(({ code, signal }) => {
      gone = true;
      return `exit ${signal ?? code}: ${lastLines(this.terminalFile, 5)}`;
    });
    // Polls until serving, and stops polling once the process is gone.
    const ready = waitFor(
      `${this.name} to serve`,
      async () => {
        if (gone) return "gone";
        await this.admin.metrics();
        return "serving";
      },
      timeoutMs,
      150,
    ).then(() => undefined);
    return Promise.race([ready, exited]);
  }

  /**
   * Pairs `other` the way `tidemark peer add URL --device-id ID` does: the
   * handshake (Hello over mutual TLS, its id pinned) from this process,
   * then the running serve records it.
   */
  async addPeer(other: DemoDevice, waitMs = 10_000): Promise<AddPeerResult> {
    const self = loadConfig(dataDirPaths(this.dataDir));
    const pin = this.insecure
      ? undefined
      : { credentials: await this.identity(), expect: other.deviceId };
    return this.admin.addPeer(await peerHandshake(other.url, waitMs, self, pin));
  }

  /** SIGKILL: no flush, no goodbye, as a crash or power loss. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (proc === undefined || !this.running) return;
    proc.child.kill("SIGKILL");
    await proc.exited;
  }

  /** Graceful stop through the admin API; SIGKILL if it does not exit in time. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const proc = this.proc;
    if (proc === undefined || !this.running) return;
    await this.admin.shutdown().catch(() => proc.child.kill("SIGTERM"));
    const timer = setTimeout(() => proc.child.kill("SIGKILL"), timeoutMs);
    await proc.exited;
    clearTimeout(timer);
  }
}
