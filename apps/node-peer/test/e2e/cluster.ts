// Real peers for end-to-end tests: `tidemark` processes on free 127.0.0.1
// ports with their own data dirs in a temp dir; dispose() kills them all
// and removes the dir (call it in afterEach).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { judge } from "../../src/demo/convergence.js";
import { DemoDevice } from "../../src/demo/device.js";
import {
  freePort,
  killAllChildren,
  lastLines,
  removeInBackground,
  waitFor,
} from "../../src/demo/processes.js";
import { generateTree } from "../../src/demo/tree.js";
import type { StatusReport } from "../../src/status-report.js";

export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), "tidemark-e2e-"));
  readonly devices: DemoDevice[] = [];
  libraryId: string | undefined;

  /**
   * `insecure`: devices serve h2c (--insecure-loopback) and believe claimed
   * ids, for tests that speak raw HTTP/2 to the service; else mutual TLS.
   */
  constructor(private readonly insecure = false) {}

  /** Creates (inits) a device; the first one creates the library (`library` makes another). */
  async add(name: string, library?: string): Promise<DemoDevice> {
    const d = new DemoDevice(name, join(this.dir, name), await freePort(), await freePort());
    d.insecure = this.insecure;
    if (library !== undefined) {
      await d.init(library);
      this.devices.push(d);
      return d;
    }
    const r = await d.init("e2e", this.libraryId);
    this.libraryId ??= r.libraryId;
    this.devices.push(d);
    return d;
  }

  /** Starts every device that is not running and connects all pairs. */
  async startMesh(): Promise<void> {
    await Promise.all(this.devices.filter((d) => !d.running).map((d) => d.start()));
    for (const x of this.devices) {
      for (const y of this.devices) if (x !== y) await x.addPeer(y);
    }
  }

  tree(name: string, files: number): string {
    const root = join(this.dir, "trees", name);
    generateTree({ root, files, filesPerDir: 40, fanout: 4 });
    return root;
  }

  async statuses(devices = this.devices): Promise<StatusReport[]> {
    return Promise.all(devices.map((d) => d.admin.status({ probe: false })));
  }

  /** Waits until every running device holds every stream as its origin does. */
  async converged(timeoutMs = 60_000, devices = this.devices): Promise<StatusReport[]> {
    return this.explained(
      waitFor(
        "convergence",
        async () => {
          const reports = await this.statuses(devices);
          const verdicts = judge(reports);
          const [first] = verdicts;
          return verdicts.every((v) => v.converged && v.rows === first?.rows) ? reports : undefined;
        },
        timeoutMs,
        250,
      ),
    );
  }

  /**
   * `wait`, or its failure with the end of every device's log appended: a
   * timeout under CI load is otherwise gone with the temp dir.
   */
  async explained<T>(wait: Promise<T>, lines = 30): Promise<T> {
    try {
      return await wait;
    } catch (err) {
      const logs = this.devices.map(
        (d) => `--- ${d.name} ${d.logFile}:\n${clipped(lastLines(d.logFile, lines))}`,
      );
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`${why}\n${logs.join("\n")}`, { cause: err });
    }
  }

  async dispose(): Promise<void> {
    killAllChildren();
    await Promise.allSettled(this.devices.map((d) => d.proc?.exited));
    removeInBackground(this.dir);
  }
}

/** Live entries of one origin's entry stream in a report. */
export function entryRows(report: StatusReport, origin: string): number {
  const s = report.streams.find((x) => x.origin === origin && x.resource === "entry");
  return s === undefined ? 0 : Number(s.liveCount);
}

/** Log lines cut to a readable width (JSON lines run long). */
function clipped(text: string, width = 400): string {
  return text
    .split("\n")
    .map((l) => (l.length > width ? `${l.slice(0, width)}…` : l))
    .join("\n");
}
