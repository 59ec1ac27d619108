// Client under test: the runner serves as a peer, the client is told to
// sync with it (an add-peer command), then each scenario runs in turn.
// Results use the same verdicts and table as the server-side cases.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ConnectError } from "@connectrpc/connect";
import { type ControlClient, openHarness } from "../control/harness.js";
import { jsonReport, textReport } from "../report.js";
import { type CaseResult, hexToBytes, type RunReport } from "../runner.js";
import { syncClient, type WireProtocol } from "../transport.js";
import { CLIENT_SCENARIOS } from "./catalog.js";
import {
  type ClientTimers,
  missingTimers,
  type Scenario,
  type ScenarioCtx,
  ScenarioFailure,
  ScenarioNotApplicable,
  ScenarioSkipped,
} from "./scenario-kit.js";
import { hex, type Malformed, ScriptedPeer } from "./scripted-peer.js";

export function clientScenarioRules(): string[] {
  return CLIENT_SCENARIOS.flatMap((s) => s.rules);
}

export type ClientRunOptions = {
  readonly clientUrl: string;
  readonly library: string;
  readonly protocol: WireProtocol;
  /** Run once the runner serves: makes the client sync with it. {url} {device}. */
  readonly addPeerCmd?: string;
  /** Or a function doing the same (tests). */
  readonly addPeer?: (url: string, deviceHex: string) => Promise<void>;
  readonly port?: number;
  readonly timeoutMs?: number;
  /** The client's declared timers; scenarios needing an undeclared one are skipped. */
  readonly timers?: ClientTimers;
  /** The client's TestControl: scenarios needing it (e.g. its buffer bounds) are skipped without. */
  readonly control?: ControlClient;
  readonly scenarios?: readonly Scenario[];
  readonly onResult?: (r: CaseResult) => void;
};

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function runClientScenarios(opts: ClientRunOptions): Promise<RunReport> {
  const peer = new ScriptedPeer(hexToBytes(opts.library, "--library"));
  const url = await peer.start(opts.port ?? 0);
  try {
    await addRunnerAsPeer(opts, url, hex(peer.deviceId));
    const ctx = {
      peer,
      client: syncClient({ url: opts.clientUrl, protocol: opts.protocol }),
      timeoutMs: opts.timeoutMs ?? 20_000,
      timers: opts.timers ?? {},
      ...(opts.control === undefined ? {} : { control: opts.control }),
    };
    const results: CaseResult[] = [];
    // Malformed requests already attributed to a scenario (those between two go to the next).
    let attributed = 0;
    for (const s of opts.scenarios ?? CLIENT_SCENARIOS) {
      const r = await play(s, ctx, attributed);
      attributed = peer.malformed.length;
      results.push(r);
      opts.onResult?.(r);
    }
    return {
      target: opts.clientUrl,
      protocol: `client mode, runner at ${url}`,
      peer: hex(peer.deviceId),
      results,
      // Skipped or not applicable is never passed, nor a failure of the run (as for server cases).
      ok: results.every(
        (r) => r.verdict === "pass" || r.verdict === "skipped" || r.verdict === "not-applicable",
      ),
    };
  } finally {
    await peer.stop();
  }
}

/** Makes the client sync with the runner: the test's function, or the operator's command. */
async function addRunnerAsPeer(opts: ClientRunOptions, url: string, device: string): Promise<void> {
  if (opts.addPeer !== undefined) await opts.addPeer(url, device);
  if (opts.addPeerCmd === undefined) return;
  const cmd = opts.addPeerCmd.replaceAll("{url}", quote(url)).replaceAll("{device}", quote(device));
  // Asynchronously: the client's handshake calls our server, in this process.
  try {
    await promisify(execFile)("sh", ["-c", cmd], { timeout: 120_000 });
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string };
    throw new Error(`--add-peer-cmd failed (${String(e.code)}): ${(e.stderr ?? "").trim()}`);
  }
}

/** Plays one scenario: its verdict, with the malformed requests since `seen` (its own). */
async function play(s: Scenario, ctx: ScenarioCtx, seen: number): Promise<CaseResult> {
  const result = (verdict: CaseResult["verdict"], detail: string | undefined, ms: number) => ({
    id: s.id,
    rules: s.rules,
    file: "client scenarios",
    verdict,
    ...(detail === undefined ? {} : { detail }),
    ms,
  });
  const skip = missingTimers(s, ctx.timers);
  if (skip !== undefined) return result("skipped", skip, 0);
  const t0 = performance.now();
  let verdict: CaseResult["verdict"] = "pass";
  let detail: string | undefined;
  try {
    await s.run(ctx);
  } catch (err) {
    verdict =
      err instanceof ScenarioNotApplicable
        ? "not-applicable"
        : err instanceof ScenarioSkipped
          ? "skipped"
          : "fail";
    detail =
      verdict !== "fail" || err instanceof ScenarioFailure
        ? (err as Error).message
        : `runner error: ${err instanceof ConnectError ? err.message : String(err)}`;
  }
  // A malformed request fails the scenario it came in, whatever else happened.
  const malformed = malformedText(ctx.peer.malformed.slice(seen));
  if (malformed !== undefined) {
    verdict = "fail";
    detail = detail === undefined ? malformed : `${malformed}; ${detail}`;
  }
  return result(verdict, detail, Math.round(performance.now() - t0));
}

/** What the client sent that a peer refuses as malformed; undefined when nothing. */
function malformedText(sent: readonly Malformed[]): string | undefined {
  const [first] = sent;
  if (first === undefined) return undefined;
  const more = sent.length > 1 ? ` (and ${sent.length - 1} more)` : "";
  return `the client sent a malformed ${first.rpc}: ${first.reason}: ${first.message}${more}`;
}

type ClientFlags = {
  clientUrl: string;
  library: string;
  port?: number;
  addPeerCmd?: string;
  protocol: WireProtocol;
  json?: boolean;
  timeoutMs: number;
  exchangeIntervalMs?: number;
  reconcileDeferMs?: number;
  control?: string;
  controlProtocol?: WireProtocol;
};

export async function runClientMode(f: ClientFlags, say: (s: string) => void): Promise<number> {
  say(
    `tidemark-conformance: client mode, ${CLIENT_SCENARIOS.length} scenarios, client at ${f.clientUrl}`,
  );
  const harness = await openHarness({
    ...(f.control === undefined ? {} : { controlUrl: f.control }),
    ...(f.controlProtocol === undefined ? {} : { controlProtocol: f.controlProtocol }),
  });
  const report = await runClientScenarios({
    ...(harness.control === undefined ? {} : { control: harness.control }),
    clientUrl: f.clientUrl,
    library: f.library,
    protocol: f.protocol,
    ...(f.addPeerCmd === undefined ? {} : { addPeerCmd: f.addPeerCmd }),
    ...(f.port === undefined ? {} : { port: f.port }),
    timeoutMs: f.timeoutMs,
    timers: {
      ...(f.exchangeIntervalMs === undefined ? {} : { exchangeIntervalMs: f.exchangeIntervalMs }),
      ...(f.reconcileDeferMs === undefined ? {} : { reconcileDeferMs: f.reconcileDeferMs }),
    },
    onResult: (r) => say(`  ${r.verdict.padEnd(15)} ${r.id} (${r.ms} ms)`),
  });
  process.stdout.write(`${f.json === true ? jsonReport(report) : textReport(report)}\n`);
  return report.ok ? 0 : 1;
}
