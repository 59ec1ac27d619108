// `tidemark status`: this replica's streams, and per peer the comparison of
// every stream (cursors, lag, counts, fingerprints), last exchange, metrics.
import type { Command } from "commander";
import { shortId } from "../ids.js";
import { formatBytes } from "../progress.js";
import type { PeerRow, StatusReport } from "../status-report.js";
import { renderTable } from "../table.js";
import { ago, commonOptions, printJson } from "./common.js";
import { withTarget } from "./target.js";

function streamLabel(key: string): string {
  const [origin, resource] = key.split("/");
  return `${shortId(origin ?? "")}/${resource ?? ""}`;
}

export function renderPeer(p: PeerRow): string {
  const head = `peer ${p.name} ${shortId(p.deviceId)} ${p.url}  state=${p.state}${p.connected ? " connected" : ""}  last exchange ${ago(p.lastExchangeAt)}  failures=${p.consecutiveFailures}`;
  if (p.reachable === false) return `${head}\n  unreachable: ${p.error ?? "?"}`;
  if (p.reachable === null) return head;
  const rows = p.streams.map((s) => [
    streamLabel(s.key),
    s.ourCursor ?? "-",
    s.peerCursor ?? "-",
    s.lag,
    s.ourCount,
    s.peerCount,
    s.fingerprintMatch ? "✓" : "✗",
    s.verdict,
  ]);
  const table = renderTable(
    ["STREAM", "OURS", "THEIRS", "LAG", "ROWS", "THEIR ROWS", "FP", "VERDICT"],
    rows,
  );
  return `${head}  ${p.inSync === true ? "in sync ✓" : "NOT in sync"}\n${table.replace(/^/gm, "  ")}`;
}

export function renderStatus(r: StatusReport): string {
  const streams = renderTable(
    ["STREAM", "CURSOR", "LIVE", "FINGERPRINT", "STATE"],
    r.streams.map((s) => [
      `${shortId(s.origin)}/${s.resource}`,
      s.cursor ?? "none",
      s.liveCount,
      s.fingerprint.slice(0, 16),
      s.pulling ? "pulling" : "",
    ]),
  );
  // Summed over labels (peer, stream): the per-series view is in --json and /metrics.
  const totals = new Map<string, number>();
  for (const [key, v] of Object.entries(r.metrics)) {
    const name = key.split("{")[0] ?? key;
    totals.set(name, (totals.get(name) ?? 0) + v);
  }
  const metrics = [...totals]
    .filter(([, v]) => v !== 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `  ${k} ${v}`)
    .join("\n");
  return [
    `device  ${r.deviceName} ${r.device}  library ${r.libraryName} ${r.library}  ${r.serving ? "serving" : "not serving (offline view)"}`,
    `rows    ${r.liveRows} live in ${r.streams.length} streams   wire in ${formatBytes(r.wire.bytesIn)} out ${formatBytes(r.wire.bytesOut)}`,
    "",
    streams,
    "",
    ...r.peers.map(renderPeer),
    ...(r.peers.length === 0 ? ["no peers (add one with `tidemark peer add URL`)"] : []),
    "",
    "metrics (non-zero, summed over peers and streams):",
    metrics === "" ? "  none" : metrics,
    "",
  ].join("\n");
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("per peer and stream: state, cursors, lag, counts, fingerprints, metrics")
    .option("--json", "print the full report as JSON")
    .option("--no-probe", "do not ask peers for their watermarks")
    .action(async (flags: { json?: boolean; probe: boolean }, cmd: Command) => {
      const opts = commonOptions(cmd);
      const report = await withTarget(opts, (t) =>
        t.kind === "remote" ? t.admin.status(flags.probe) : t.node.report(flags.probe),
      );
      if (flags.json === true) printJson(report);
      else process.stdout.write(renderStatus(report));
    });
}
