// `--peer-cmd`: the runner starts the target itself from a command template
// (the chaos runner's convention, one parser: @tidemark/chaos/template), so
// cases that need a restart can stop and start it on the same data and port.
// Its own process group (SIGKILL takes a wrapper and what it runs), output
// to a log file; ready once SyncService answers Hello.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { fillTemplate } from "@tidemark/chaos/template";
import { PROTOCOL_VERSION } from "@tidemark/protocol";
import { openClients, pinTarget, TargetError, type TargetOptions } from "../transport.js";

export type TargetProcessSpec = {
  /** e.g. `mypeer --data {dir} serve --port {port}`; runs in `sh -c`. */
  readonly template: string;
  /** The --target URL: its port is `{port}`. */
  readonly url: string;
  /** `{dir}`: the target's data directory (the operator's; never deleted). */
  readonly dir?: string;
  readonly library: Uint8Array;
  readonly logFile: string;
  readonly readyMs: number;
  /**
   * An https:// target (mutual TLS): the runner's TLS settings. Ready once
   * the pinned target answers Hello, a refusal included (the runner's own
   * certificate need not be paired).
   */
  readonly tls?: Omit<TargetOptions, "url" | "protocol">;
};

/** Answers that prove the target serves SyncService, though it refused this Hello. */
const ANSWERED = new Set([Code.PermissionDenied, Code.Unauthenticated, Code.FailedPrecondition]);

const LIVE = new Set<number>();
process.once("exit", () => {
  for (const pid of LIVE) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

export class TargetProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitCode: string | undefined;
  /** Copies of the data directory taken by backup(), by name (removed by dropBackups). */
  private backups: string | undefined;
  starts = 0;

  constructor(readonly spec: TargetProcessSpec) {}

  get command(): string {
    const port = Number(new URL(this.spec.url).port);
    if (!Number.isInteger(port) || port <= 0)
      throw new TargetError(`--peer-cmd needs a --target URL with a port, got ${this.spec.url}`);
    return fillTemplate(this.spec.template, {
      port,
      ...(this.spec.dir === undefined ? {} : { dir: this.spec.dir }),
    });
  }

  /** Starts the command and waits until the target answers Hello. */
  async start(): Promise<void> {
    if (this.child !== undefined) return;
    const cmd = this.command;
    const log = openSync(this.spec.logFile, "a");
    const child = spawn("sh", ["-c", cmd], { detached: true, stdio: ["ignore", log, log] });
    closeSync(log);
    if (child.pid === undefined) throw new TargetError(`--peer-cmd could not start: ${cmd}`);
    const pid = child.pid;
    LIVE.add(pid);
    this.child = child;
    this.exitCode = undefined;
    this.starts++;
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        LIVE.delete(pid);
        this.exitCode = String(code ?? signal);
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    await this.ready(cmd);
  }

  private async ready(cmd: string): Promise<void> {
    const deadline = Date.now() + this.spec.readyMs;
    for (;;) {
      if (this.exitCode !== undefined)
        throw new TargetError(`--peer-cmd exited (${this.exitCode}): ${cmd}\n${this.logTail()}`);
      if (await this.answersHello()) return;
      if (Date.now() > deadline)
        throw new TargetError(
          `--peer-cmd: no Hello answer at ${this.spec.url} within ${this.spec.readyMs} ms: ${cmd}\n${this.logTail()}`,
        );
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** One Hello (as a random device): did the target answer it? */
  private async answersHello(): Promise<boolean> {
    const plain: TargetOptions = { url: this.spec.url, protocol: "connect" };
    let target = plain;
    try {
      if (this.spec.tls !== undefined)
        target = await pinTarget({ ...this.spec.tls, ...plain }, 2_000);
    } catch (err) {
      // Another device answers there: waiting will not change that.
      if (String(err).includes("server certificate is device")) throw err;
      return false;
    }
    const { clients, close } = openClients(target);
    try {
      await clients.connect.hello(
        {
          libraryId: this.spec.library,
          deviceId: new Uint8Array(randomBytes(16)),
          protocolVersion: PROTOCOL_VERSION,
        },
        { timeoutMs: 2_000 },
      );
      return true;
    } catch (err) {
      return this.spec.tls !== undefined && ANSWERED.has(ConnectError.from(err).code);
    } finally {
      close();
    }
  }

  /** SIGTERM (graceful) or SIGKILL to the whole group; SIGKILL after 5 s anyway. */
  async stop(how: "term" | "kill" = "term"): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-pid, s);
      } catch {
        // raced with its own exit
      }
    };
    signal(how === "kill" ? "SIGKILL" : "SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 5_000);
    await this.exited;
    // The shell may exit before what it runs has let go of the data
    // directory (a backup copies it next): wait for the whole group.
    const deadline = Date.now() + 10_000;
    while (groupAlive(pid)) {
      if (Date.now() > deadline) signal("SIGKILL");
      await new Promise((r) => setTimeout(r, 50));
    }
    clearTimeout(timer);
  }

  async restart(how: "term" | "kill"): Promise<void> {
    await this.stop(how);
    await this.start();
  }

  /**
   * A copy of the data directory, as an operator's backup would be: the
   * target is stopped (SIGTERM) so its files are consistent, copied, and
   * started again on the same data.
   */
  async backup(name: string): Promise<void> {
    const dir = this.dataDir("back up");
    await this.stop("term");
    this.backups ??= mkdtempSync(join(tmpdir(), "tidemark-conformance-backups-"));
    const copy = join(this.backups, safeName(name));
    rmSync(copy, { recursive: true, force: true });
    cpSync(dir, copy, { recursive: true });
    await this.start();
  }

  /** Stops the target, puts the named backup in place of its data directory, starts it. */
  async restore(name: string): Promise<void> {
    const dir = this.dataDir("restore");
    const copy = this.backups === undefined ? undefined : join(this.backups, safeName(name));
    if (copy === undefined || !existsSync(copy))
      throw new TargetError(`no backup named "${name}" was taken before this restore`);
    await this.stop("term");
    rmSync(dir, { recursive: true, force: true });
    cpSync(copy, dir, { recursive: true });
    await this.start();
  }

  /** Removes the copies backup() took. */
  dropBackups(): void {
    if (this.backups !== undefined) rmSync(this.backups, { recursive: true, force: true });
    this.backups = undefined;
  }

  private dataDir(what: string): string {
    if (this.spec.dir === undefined)
      throw new TargetError(
        `cannot ${what} the target: its data directory is unknown (--peer-dir)`,
      );
    return this.spec.dir;
  }

  logTail(lines = 15): string {
    if (!existsSync(this.spec.logFile)) return "(no output)";
    return readFileSync(this.spec.logFile, "utf8")
      .trimEnd()
      .split("\n")
      .slice(-lines)
      .map((l) => `  | ${l}`)
      .join("\n");
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A backup's name as a file name: case data, so nothing but [a-z0-9-]. */
function safeName(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
    throw new TargetError(`a backup name is kebab-case, got "${name}"`);
  return name;
}
