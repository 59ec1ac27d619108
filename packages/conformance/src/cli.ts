// `tidemark-conformance`: checks a running peer against PROTOCOL.md by
// rule id (run), measures rule coverage of the cases (coverage), or serves
// as a scripted peer and checks what a client sends (client).
import { resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { CASES_DIR, type Case, loadCases } from "./cases.js";
import { runClientMode } from "./client-mode/run.js";
import { type CliHarness, harnessFromFlags } from "./control/flags.js";
import { coverage, coverageText } from "./coverage.js";
import { addIdentities, IdentityPool, identitiesNeeded } from "./identities.js";
import { pinnedRules } from "./pinned.js";
import { jsonReport, summaryLine, textReport } from "./report.js";
import { readKnownFailing, runConformance } from "./runner.js";
import { addPeerByCommand, CLIENT_PIN_RULES, runClientPin } from "./tls/client-pin.js";
import { H2C_REFUSAL_RULES, runH2cRefusal } from "./tls/h2c-refusal.js";
import type { WireProtocol } from "./transport.js";

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("a positive integer");
  return n;
};
const nonNegativeInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("a non-negative integer");
  return n;
};
const protocolArg = (v: string): WireProtocol => {
  if (v !== "connect" && v !== "grpc") throw new InvalidArgumentError("connect or grpc");
  return v;
};

type RunFlags = {
  target: string;
  library: string;
  protocol: WireProtocol;
  json?: boolean;
  knownFailing?: string;
  cases: string;
  case?: string[];
  cert?: string;
  key?: string;
  ca?: string;
  serverDeviceId?: string;
  identities?: string;
  timeoutMs: number;
  control?: string;
  controlProtocol: WireProtocol;
  peerCmd?: string;
  peerDir?: string;
};

export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const say = (s: string) => process.stderr.write(`${s}\n`);
  const program = new Command("tidemark-conformance")
    .description("check a Tidemark peer against docs/PROTOCOL.md, rule by rule")
    .exitOverride()
    .showHelpAfterError();
  program
    .command("run", { isDefault: true })
    .description("play every case against a running peer (server under test)")
    .requiredOption("--target <url>", "the peer: http://127.0.0.1:PORT (h2c) or https://… (TLS)")
    .requiredOption("--library <hex>", "the peer's library id (32 hex digits)")
    .option("--protocol <p>", "connect or grpc", protocolArg, "connect")
    .option("--json", "print the report as JSON on stdout")
    .option("--known-failing <file>", "case ids expected to fail; one that passes fails the run")
    .option("--cases <dir>", "directory of case files", CASES_DIR)
    .option("--case <id...>", "run only these cases")
    .option("--cert <pem>", "client certificate for mutual TLS")
    .option("--key <pem>", "client key for mutual TLS")
    .option("--ca <pem>", "CA (or the peer's certificate) to trust")
    .option("--server-device-id <hex>", "the device id the server's certificate must prove")
    .option(
      "--identities <dir>",
      "mutual TLS: case devices from this pool (`identities`), paired with the target",
    )
    .option("--timeout-ms <n>", "deadline of each call", int, 15_000)
    .option("--control <url>", "the target's TestControl (docs/TESTCONTROL.md): cases that need it")
    .option("--control-protocol <p>", "how TestControl is called", protocolArg, "connect")
    .option("--peer-cmd <template>", "the runner starts the target: {port} (of --target), {dir}")
    .option("--peer-dir <dir>", "{dir} of --peer-cmd: the target's data directory")
    .action(async (f: RunFlags) => {
      code = await run(f, say);
    });
  program
    .command("identities")
    .description(
      "make case identities (key + certificate) for a mutual-TLS target; prints their device ids",
    )
    .requiredOption("--dir <dir>", "the pool directory (created; identities are added to it)")
    .option("--count <n>", "how many (default: what one run of the cases takes)", int)
    .option("--seed <hex>", "64 hex digits: derive the keys from it (same seed, same ids)")
    .option("--cases <dir>", "directory of case files", CASES_DIR)
    .action(async (f: { dir: string; count?: number; seed?: string; cases: string }) => {
      if (f.seed !== undefined && !/^[0-9a-fA-F]{64}$/.test(f.seed))
        throw new InvalidArgumentError("--seed: 64 hex digits");
      const perRun = identitiesNeeded(
        loadCases(resolve(f.cases)).filter((c) => c.callers !== "claimed"),
      );
      const dir = resolve(f.dir);
      const ids = await addIdentities(
        dir,
        f.count ?? perRun,
        f.seed === undefined ? undefined : new Uint8Array(Buffer.from(f.seed, "hex")),
      );
      process.stdout.write(`${ids.join("\n")}\n`);
      const left = new IdentityPool(dir).remaining;
      say(
        `${ids.length} identities added to ${dir} (${left} unused; one run takes ${perRun}). Pair them with the target, e.g.\n` +
          `  tidemark peer add --ids-file ${dir}/device-ids.txt\n` +
          `then: tidemark-conformance --target https://HOST:PORT --library HEX --server-device-id ID --identities ${dir}`,
      );
    });
  program
    .command("coverage")
    .description("every rule id of PROTOCOL.md has a case (or a justified exclusion)")
    .option("--json", "print as JSON")
    .option("--cases <dir>", "directory of case files", CASES_DIR)
    .action((f: { json?: boolean; cases: string }) => {
      const cases = loadCases(resolve(f.cases));
      const c = coverage(pinnedRules(cases));
      process.stdout.write(`${f.json === true ? JSON.stringify(c, null, 2) : coverageText(c)}\n`);
      code = c.ok ? 0 : 1;
    });
  program
    .command("client")
    .description(
      "serve as a scripted peer and check the requests a client sends (client under test)",
    )
    .requiredOption("--client-url <url>", "the client's own SyncService (it is a peer too)")
    .requiredOption("--library <hex>", "the client's library id")
    .option("--port <n>", "port the runner serves on (127.0.0.1)", int)
    .option("--add-peer-cmd <template>", "makes the client sync with the runner: {url} {device}")
    .option(
      "--protocol <p>",
      "how the runner calls the client: connect or grpc",
      protocolArg,
      "connect",
    )
    .option("--json", "print the report as JSON on stdout")
    .option(
      "--timeout-ms <n>",
      "most ms a scenario waits for the client (stretched, up to 4x, on a machine too loaded to poll on time)",
      int,
      20_000,
    )
    .option(
      "--exchange-interval-ms <n>",
      "the periodic exchange interval the client was started with (runs NT-1; skipped without)",
      int,
    )
    .option(
      "--reconcile-defer-ms <n>",
      "the longest the client defers an unchanged reconcile, as started (runs EW-6; skipped without)",
      nonNegativeInt,
    )
    .option(
      "--control <url>",
      "the client's TestControl (docs/TESTCONTROL.md): its buffer bounds and rows (runs RF-5; skipped without)",
    )
    .option("--control-protocol <p>", "how TestControl is called", protocolArg, "connect")
    .action(async (f) => {
      code = await runClientMode(f, say);
    });
  program
    .command("client-pin")
    .description(
      "serve TLS with a certificate other than the one the client is told to pin: no request may arrive (TI-9)",
    )
    .requiredOption(
      "--add-peer-cmd <template>",
      "makes the client pair and dial device {device} at {url}, e.g. 'mypeer peer add {url} --device-id {device}'",
    )
    .option("--window-ms <n>", "how long to watch for the client's connection", int, 5_000)
    .action(async (f: { addPeerCmd: string; windowMs: number }) => {
      const results = await runClientPin({
        addPeer: addPeerByCommand(f.addPeerCmd),
        windowMs: f.windowMs,
      });
      code = printVerdicts(results, CLIENT_PIN_RULES);
    });
  program
    .command("h2c-refusal")
    .description(
      "start the target serving h2c on 127.0.0.1 (must answer) and on 0.0.0.0 (must refuse), probing through 127.0.0.1 only (TI-10)",
    )
    .requiredOption(
      "--serve-cmd <template>",
      "starts the target serving cleartext HTTP/2 on {host}:{port}, e.g. 'mypeer serve --h2c --host {host} --port {port}'",
    )
    .option("--ready-ms <n>", "most ms the loopback start may take to answer", int, 30_000)
    .action(async (f: { serveCmd: string; readyMs: number }) => {
      const results = await runH2cRefusal({ serveCmd: f.serveCmd, readyMs: f.readyMs });
      code = printVerdicts(results, H2C_REFUSAL_RULES);
    });
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return err.code === "commander.helpDisplayed" ? 0 : 2;
    say(`tidemark-conformance: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  return code;
}

async function run(f: RunFlags, say: (s: string) => void): Promise<number> {
  let cases: Case[] = loadCases(resolve(f.cases));
  if (f.case !== undefined) {
    const want = new Set(f.case);
    cases = cases.filter((c) => want.has(c.id));
    const unknown = [...want].filter((id) => !cases.some((c) => c.id === id));
    if (unknown.length > 0) throw new Error(`--case: no case named ${unknown.join(", ")}`);
  }
  const knownFailing =
    f.knownFailing === undefined ? undefined : readKnownFailing(resolve(f.knownFailing), cases);
  say(`tidemark-conformance: ${cases.length} cases against ${f.target} (${f.protocol})`);
  const harness = await harnessFromFlags(f, say);
  try {
    return await runWith(f, cases, knownFailing, harness, say);
  } finally {
    await harness.close();
  }
}

async function runWith(
  f: RunFlags,
  cases: Case[],
  knownFailing: Set<string> | undefined,
  harness: CliHarness,
  say: (s: string) => void,
): Promise<number> {
  const report = await runConformance({
    harness,
    target: {
      url: f.target,
      protocol: f.protocol,
      ...(f.cert === undefined ? {} : { certFile: f.cert }),
      ...(f.key === undefined ? {} : { keyFile: f.key }),
      ...(f.ca === undefined ? {} : { caFile: f.ca }),
      ...(f.serverDeviceId === undefined ? {} : { serverDeviceId: f.serverDeviceId }),
    },
    library: f.library,
    cases,
    ...(knownFailing === undefined ? {} : { knownFailing }),
    ...(f.identities === undefined ? {} : { identities: new IdentityPool(resolve(f.identities)) }),
    timeoutMs: f.timeoutMs,
    onResult: (r) => say(`  ${r.verdict.padEnd(15)} ${r.id} (${r.ms} ms)`),
  });
  if (f.json === true) {
    process.stdout.write(`${jsonReport(report)}\n`);
    say(summaryLine(report));
  } else process.stdout.write(`${textReport(report)}\n`);
  harness.keepLog = !report.ok;
  return report.ok ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]).endsWith("cli.ts")) {
  process.exitCode = await main(process.argv.slice(2));
  // Open HTTP/2 client sessions to the target must not hold the process open.
  process.exit();
}

/** One line per check of a transport-level run (client-pin, h2c-refusal); the exit code. */
function printVerdicts(
  results: readonly { readonly id: string; readonly ok: boolean; readonly detail: string }[],
  rules: readonly string[],
): number {
  for (const r of results)
    process.stdout.write(
      `${(r.ok ? "pass" : "fail").padEnd(6)} ${r.id} [${rules.join(", ")}]: ${r.detail}\n`,
    );
  return results.every((r) => r.ok) ? 0 : 1;
}
