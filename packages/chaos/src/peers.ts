// The peer processes under test: started from the command template in
// their own process group (so SIGKILL takes the whole group: a wrapper
// script and the peer it runs), output to a log file in the peer's dir,
// ready once TestControl answers Info. Every live group is killed when the
// runner exits, however it exits.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { TestControlService } from "@tidemark/protocol/test-control";
import { fillTemplate } from "./template.js";

export type ControlClient = Client<typeof TestControlService>;

const LIVE = new Set<number>();
let hooked = false;

/** Kills every live peer group; safe to call from an exit handler. */
export function killAllPeers(): void {
  for (const pid of LIVE) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  LIVE.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", killAllPeers);
}

export class PeerError extends Error {
  override readonly name = "PeerError";
}

export type PeerSpec = {
  readonly index: number;
  readonly dir: string;
  readonly port: number;
  readonly peerCmd: string;
  readonly initCmd: string | undefined;
  readonly libraryId: string;
  /** Most ms a start may take before TestControl answers. */
  readonly readyMs: number;
  /** Where the commands run (relative paths in templates start here). */
  readonly cwd: string;
  /** How the runner calls TestControl (a gRPC-only server takes "grpc"). */
  readonly controlProtocol: "connect" | "grpc";
};

export class PeerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  generation = 0;
  client: ControlClient | undefined;

  constructor(readonly spec: PeerSpec) {
    mkdirSync(join(spec.dir), { recursive: true });
  }

  get logFile(): string {
    return join(this.spec.dir, "..", `peer${this.spec.index}.log`);
  }

  get alive(): boolean {
    return this.child !== undefined;
  }

  private values() {
    const { index, dir, port, libraryId } = this.spec;
    return { dir: join(dir, "data"), port, index, name: `chaos${index}`, library: libraryId };
  }

  /** Runs the init template once (a fresh device in the shared library). */
  init(): void {
    if (this.spec.initCmd === undefined) return;
    const cmd = fillTemplate(this.spec.initCmd, this.values());
    const r = spawnSync("sh", ["-c", cmd], {
      encoding: "utf8",
      timeout: 120_000,
      cwd: this.spec.cwd,
    });
    if (r.status !== 0) {
      throw new PeerError(
        `peer ${this.spec.index}: init failed (exit ${r.status ?? r.signal}): ${cmd}\n${r.stderr}${r.stdout}`,
      );
    }
  }

  /** Starts the process and waits until its TestControl answers. */
  async start(): Promise<void> {
    if (this.child !== undefined) return;
    hookExit();
    this.generation++;
    const cmd = fillTemplate(this.spec.peerCmd, this.values());
    const log = openSync(this.logFile, "a");
    const child = spawn("sh", ["-c", cmd], {
      detached: true,
      cwd: this.spec.cwd,
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    const pid = child.pid;
    if (pid === undefined) throw new PeerError(`peer ${this.spec.index}: could not start: ${cmd}`);
    LIVE.add(pid);
    this.child = child;
    let exitCode: string | undefined;
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        LIVE.delete(pid);
        exitCode = String(code ?? signal);
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    const baseUrl = `http://127.0.0.1:${this.spec.port}`;
    this.client = createClient(
      TestControlService,
      this.spec.controlProtocol === "grpc"
        ? createGrpcTransport({ baseUrl })
        : createConnectTransport({ baseUrl, httpVersion: "2" }),
    );
    const deadline = Date.now() + this.spec.readyMs;
    for (;;) {
      if (exitCode !== undefined)
        throw new PeerError(
          `peer ${this.spec.index} exited (${exitCode}) before TestControl answered: ${cmd}\n${this.logTail()}`,
        );
      try {
        await this.client.info({}, { timeoutMs: 2_000 });
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new PeerError(
            `peer ${this.spec.index}: TestControl did not answer on port ${this.spec.port} within ${this.spec.readyMs} ms: ${cmd}\n${this.logTail()}`,
          );
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  }

  /** SIGKILL to the whole group; resolves when it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // raced with its own exit
    }
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => void this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  logTail(lines = 15): string {
    if (!existsSync(this.logFile)) return "(no output)";
    const all = readFileSync(this.logFile, "utf8").trimEnd().split("\n");
    return all
      .slice(-lines)
      .map((l) => `  | ${l}`)
      .join("\n");
  }
}
