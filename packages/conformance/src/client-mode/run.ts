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
    if (opts.addPeer !== undefined) await opts.addPeer(url, hex(peer.deviceId));
    if (opts.addPeerCmd !== undefined) {
      const cmd = opts.addPeerCmd
        .replaceAll("{url}", quote(url))
        .replaceAll("{device}", quote(hex(peer.deviceId)));
      // Asynchronously: the client's handshake calls our server, in this process.
      try {
        await promisify(execFile)("sh", ["-c", cmd], { timeout: 120_000 });
      } catch (err) {
        const e = err as { code?: unknown; stderr?: string };
        throw new Error(`--add-peer-cmd failed (${String(e.code)}): ${(e.stderr ?? "").trim()}`);
      }
    }
    const client = syncClient({ url: opts.clientUrl, protocol: opts.protocol });
    const results: CaseResult[] = [];
    const timers = opts.timers ?? {};
    let malformedSeen = 0;
    for (const s of opts.scenarios ?? CLIENT_SCENARIOS) {
      const t0 = performance.now();
      const skip = missingTimers(s, timers);
      if (skip !== undefined) {
        const r: CaseResult = {
          id: s.id,
          rules: s.rules,
          file: "client scenarios",
          verdict: "skipped",
          detail: skip,
          ms: 0,
        };
        results.push(r);
        opts.onResult?.(r);
        continue;
      }
      let detail: string | undefined;
      let notApplicable = false;
      let skipped = false;
      try {
        await s.run({
          peer,
          client,
          timeoutMs: opts.timeoutMs ?? 20_000,
          timers,
          ...(opts.control === undefined ? {} : { control: opts.control }),
        });
      } catch (err) {
        notApplicable = err instanceof ScenarioNotApplicable;
        skipped = err instanceof ScenarioSkipped;
        detail =
          err instanceof ScenarioFailure || notApplicable || skipped
            ? (err as Error).message
            : `runner error: ${err instanceof ConnectError ? err.message : String(err)}`;
      }
      // A malformed request fails the scenario it came in, whatever else happened.
      const malformed = malformedText(peer.malformed.slice(malformedSeen));
      malformedSeen = peer.malformed.length;
      if (malformed !== undefined) {
        notApplicable = false;
        skipped = false;
        detail = detail === undefined ? malformed : `${malformed}; ${detail}`;
      }
      const r: CaseResult = {
        id: s.id,
        rules: s.rules,
        file: "client scenarios",
        verdict: skipped
          ? "skipped"
          : notApplicable
            ? "not-applicable"
            : detail === undefined
              ? "pass"
              : "fail",
        ...(detail === undefined ? {} : { detail }),
        ms: Math.round(performance.now() - t0),
      };
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
