// tidemark-chaos: real peer processes (any language) behind a seeded
// fault-injecting HTTP/2 proxy; SIGKILLs and restarts; a workload through
// TestControl; then heal and judge with the simulator's properties.
// Exit 0 converged, 1 a property failed, 2 bad usage or setup, 130 interrupted.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { nodePeerTemplates } from "./node-peer.js";
import { killAllPeers } from "./peers.js";
import { ChaosAborted, runChaos, summaryLines } from "./run.js";
import { parseSchedule, planSchedule, type Schedule } from "./schedule.js";

// `pnpm chaos …` runs in the package directory; INIT_CWD is where the user typed it.
const base = process.env.INIT_CWD ?? process.cwd();

function int(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("not a non-negative integer");
  return n;
}

type Flags = {
  peers: number;
  seed: number;
  peerCmd?: string;
  initCmd?: string;
  nodePeer?: boolean;
  schedule?: string;
  out: string;
  entries: number;
  healMs: number;
  quietMs: number;
  readyMs: number;
  keep?: boolean;
  json?: boolean;
  controlProtocol: string;
};

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command("tidemark-chaos")
    .description("run real peers under network and process faults, then check they converge")
    .option("--peers <n>", "number of peer processes", int, 3)
    .option("--seed <n>", "seed of the planned fault schedule and the proxy's choices", int, 1)
    .option("--peer-cmd <template>", "starts one peer: {dir} {port} {index} {name} {library}")
    .option("--init-cmd <template>", "run once per peer before its first start (same placeholders)")
    .option("--node-peer", "use this repo's node-peer for --init-cmd and --peer-cmd")
    .option("--schedule <file>", "replay a recorded schedule.json instead of planning one")
    .option("--out <dir>", "where schedule.json, trace.jsonl and diagram.html go", "chaos-out")
    .option("--entries <n>", "entries per indexing step (the size of the run)", int, 120)
    .option("--heal-ms <n>", "most ms to wait for convergence after healing", int, 90_000)
    .option("--quiet-ms <n>", "give up once nothing moved for this long after healing", int, 20_000)
    .option("--control-protocol <p>", "how TestControl is called: connect or grpc", "connect")
    .option(
      "--ready-ms <n>",
      "most ms a peer may take to answer TestControl after a start",
      int,
      120_000,
    )
    .option("--keep", "keep the peers' data dirs and logs")
    .option("--json", "print the result as JSON")
    .exitOverride()
    .showHelpAfterError();
  try {
    program.parse([...argv], { from: "user" });
  } catch (err) {
    return err instanceof CommanderError && err.code === "commander.helpDisplayed" ? 0 : 2;
  }
  const f = program.opts<Flags>();
  const preset = f.nodePeer === true ? nodePeerTemplates() : undefined;
  const peerCmd = f.peerCmd ?? preset?.peerCmd;
  const initCmd = f.initCmd ?? preset?.initCmd;
  if (f.controlProtocol !== "connect" && f.controlProtocol !== "grpc") {
    process.stderr.write(
      `tidemark-chaos: --control-protocol is connect or grpc, not "${f.controlProtocol}"\n`,
    );
    return 2;
  }
  if (peerCmd === undefined) {
    process.stderr.write("tidemark-chaos: --peer-cmd (or --node-peer) is required\n");
    return 2;
  }
  let schedule: Schedule;
  try {
    schedule =
      f.schedule === undefined
        ? planSchedule({ seed: f.seed, peers: f.peers, entries: f.entries, healMs: f.healMs })
        : parseSchedule(readFileSync(resolve(base, f.schedule), "utf8"), f.schedule);
  } catch (err) {
    process.stderr.write(`tidemark-chaos: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(130); // the exit hook still kills the peers
    say(`${sig}: stopping every peer and cleaning up`);
    controller.abort();
    killAllPeers();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  say(
    `tidemark-chaos: ${schedule.peers} peers, seed ${schedule.seed}, ${schedule.steps.length} steps`,
  );
  say(`peer-cmd  ${peerCmd}`);
  if (initCmd !== undefined) say(`init-cmd  ${initCmd}`);
  try {
    const r = await runChaos({
      schedule,
      peerCmd,
      ...(initCmd === undefined ? {} : { initCmd }),
      outDir: resolve(base, f.out),
      cwd: base,
      keep: f.keep === true,
      quietMs: f.quietMs,
      readyMs: f.readyMs,
      controlProtocol: f.controlProtocol,
      progress: say,
      signal: controller.signal,
    });
    if (f.json === true) {
      process.stdout.write(
        `${JSON.stringify({ ...r, failures: r.failures.map((x) => ({ ...x })) }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(`${summaryLines(r, schedule).join("\n")}\n`);
      process.stdout.write(`trace     ${r.files.trace}\ndiagram   ${r.files.diagram}\n`);
      if (f.keep === true) process.stdout.write(`peers     ${r.workDir}\n`);
    }
    return r.ok ? 0 : 1;
  } catch (err) {
    if (controller.signal.aborted || err instanceof ChaosAborted) {
      say("tidemark-chaos: interrupted; every peer stopped");
      return 130;
    }
    say(`tidemark-chaos: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]).endsWith("cli.ts")) {
  process.exitCode = await main(process.argv.slice(2));
  // Idle HTTP/2 client sessions to dead peers must not hold the process open.
  process.exit();
}
