// Load bench (issue 14): one `tidemark serve` holding a library of ROWS
// entries serves full Backfills — first one alone, then CLIENTS at once,
// in the same run — while this process probes its Hello every 50 ms and
// samples its RSS and CPU time from /proc. Reports total time, Hello
// p50/p99/max during the load, peak RSS, and server CPU seconds.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { freePort, spawnServe, TIDEMARK_BIN, waitFor } from "../src/demo/processes.js";
import { generateTree } from "../src/demo/tree.js";
import { fromHex, uuidv7 } from "../src/ids.js";
import { createSyncClient } from "../src/transport.js";

export type LoadPhase = {
  readonly clients: number;
  readonly seconds: number;
  readonly changesPerClient: number;
  readonly refusedCalls: number;
  readonly helloP50Ms: number;
  readonly helloP99Ms: number;
  readonly helloMaxMs: number;
  readonly helloProbes: number;
  readonly peakRssMiB: number;
  readonly serverCpuSeconds: number;
};

export type LoadReport = {
  readonly rows: number;
  readonly indexSeconds: number;
  readonly idleRssMiB: number;
  readonly alone: LoadPhase;
  readonly concurrent: LoadPhase;
};

export function procStatus(pid: number): { rssKiB: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime: fields 14 and 15 of stat, 12 and 13 after the comm.
  return { rssKiB, cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

export const CLK_TCK =
  Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0);
}

async function phase(
  url: string,
  library: string,
  pid: number,
  clients: number,
): Promise<LoadPhase> {
  const probe = createSyncClient(url);
  const hello = { libraryId: fromHex(library), deviceId: uuidv7(), protocolVersion: 1 };
  const latencies: number[] = [];
  let peakKiB = 0;
  let running = true;
  const cpu0 = procStatus(pid).cpuTicks;
  const sampler = (async () => {
    while (running) {
      peakKiB = Math.max(peakKiB, procStatus(pid).rssKiB);
      const t = performance.now();
      await probe.hello(hello, { timeoutMs: 60_000 });
      latencies.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=source",
      join(import.meta.dirname, "load-clients.ts"),
      url,
      library,
      String(clients),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  running = false;
  await sampler;
  if (code !== 0) throw new Error(`load clients exited ${code}`);
  const result = JSON.parse(out) as { ms: number; runs: { changes: number; refused: number }[] };
  return {
    clients,
    seconds: Math.round(result.ms / 100) / 10,
    changesPerClient: result.runs[0]?.changes ?? 0,
    refusedCalls: result.runs.reduce((n, r) => n + r.refused, 0),
    helloP50Ms: pct(latencies, 50),
    helloP99Ms: pct(latencies, 99),
    helloMaxMs: pct(latencies, 100),
    helloProbes: latencies.length,
    peakRssMiB: Math.round(peakKiB / 1024),
    serverCpuSeconds: Math.round(((procStatus(pid).cpuTicks - cpu0) / CLK_TCK) * 10) / 10,
  };
}

export async function backfillLoad(opts: {
  readonly work: string;
  readonly rows: number;
  readonly clients: number;
  readonly log: (line: string) => void;
}): Promise<LoadReport> {
  const data = join(opts.work, "load-data");
  const tree = join(opts.work, "load-tree");
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [TIDEMARK_BIN, "--data", data, ...args], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`tidemark ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  cli(["init", "--library", "load", "--name", "server"]);
  const library = (JSON.parse(cli(["info", "--json"])) as { libraryId: string }).libraryId;
  opts.log(`load: generating and indexing ${opts.rows} files…`);
  generateTree({ root: tree, files: opts.rows, filesPerDir: 100 });
  const t0 = performance.now();
  cli(["index", tree]);
  const indexSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const port = await freePort();
  const serve = spawnServe(data, port, 0, join(opts.work, "load-serve.out"), [
    "--log-level",
    "warn",
  ]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      "serve",
      async () => {
        await createSyncClient(url).hello({
          libraryId: fromHex(library),
          deviceId: uuidv7(),
          protocolVersion: 1,
        });
        return true;
      },
      30_000,
    );
    const pid = serve.child.pid as number;
    const idleRssMiB = Math.round(procStatus(pid).rssKiB / 1024);
    opts.log("load: one full backfill alone…");
    const alone = await phase(url, library, pid, 1);
    opts.log(`load: ${opts.clients} full backfills at once…`);
    const concurrent = await phase(url, library, pid, opts.clients);
    return { rows: opts.rows, indexSeconds, idleRssMiB, alone, concurrent };
  } finally {
    serve.child.kill("SIGTERM");
    await serve.exited;
  }
}
