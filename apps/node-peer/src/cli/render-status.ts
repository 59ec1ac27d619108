// `status` and `verify` as text. No FP ✗ next to a verdict that is not a
// divergence: fingerprints are only compared at equal cursors.
import { shortId } from "../ids.js";
import { formatBytes } from "../progress.js";
import type { PeerRow, RefusedRow, StatusReport, StreamComparison } from "../status-report.js";
import { renderTable } from "../table.js";
import { ago, dataFlag } from "./common.js";

/** The host of "ip:port" (IPv6 in brackets, IPv4-mapped unwrapped). */
function hostOf(address: string): string {
  const host = address.replace(/:[^:]*$/, "").replace(/^::ffff:/, "");
  return host.includes(":") ? `[${host}]` : host;
}

/** One refused caller, and for a device the exact command that pairs it. */
export function renderRefused(r: RefusedRow, dataDir: string): string[] {
  const when = `${r.count}x, last ${ago(r.lastAt)}`;
  if (r.deviceId === undefined) {
    const why = r.reason === "tls-handshake" ? "TLS handshake failed" : "no device certificate";
    return [`REFUSED  ${why} from ${r.address} (${when})`];
  }
  if (r.reason === "device-mismatch") {
    return [
      `REFUSED  device ${r.deviceId} (${r.shortForm ?? ""}) named another device in its requests (${when})`,
    ];
  }
  return [
    `REFUSED  not paired ${r.deviceId} (${r.shortForm ?? ""}) from ${r.address} (${when})`,
    // Its serving port is unknown here (it called from an ephemeral port): pairing
    // by id lets it in; its URL is needed only for this device to dial it too.
    `         to pair it: tidemark ${dataFlag(dataDir)}peer add --device-id ${r.deviceId}   # lets it in`,
    `         to dial it too: tidemark ${dataFlag(dataDir)}peer add https://${hostOf(r.address)}:PORT --device-id ${r.deviceId}   # PORT: the one it serves on`,
  ];
}

function streamLabel(key: string): string {
  const [origin, resource] = key.split("/");
  return `${shortId(origin ?? "")}/${resource ?? ""}`;
}

const FP: Record<StreamComparison["fingerprints"], string> = {
  equal: "✓",
  differ: "✗",
  "not-compared": "-",
};

export function renderPeer(p: PeerRow): string {
  const head = `peer ${p.name} ${shortId(p.deviceId)} ${p.url}  state=${p.state}${p.connected ? " connected" : ""}  last exchange ${ago(p.lastExchangeAt)}  failures=${p.consecutiveFailures}`;
  const verdict =
    p.inSync === true ? "in sync ✓" : p.inSync === null ? p.reason : `NOT in sync: ${p.reason}`;
  if (p.streams.length === 0) return `${head}\n  ${verdict}`;
  const rows = p.streams.map((s) => [
    streamLabel(s.key),
    s.ourCursor ?? "-",
    s.peerCursor ?? "-",
    s.lag,
    s.ourCount,
    s.peerCount,
    FP[s.fingerprints],
    s.verdict,
  ]);
  const table = renderTable(
    ["STREAM", "OURS", "THEIRS", "LAG", "ROWS", "THEIR ROWS", "FP", "VERDICT"],
    rows,
  );
  return `${head}\n  ${verdict}\n${table.replace(/^/gm, "  ")}`;
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
    `log     ${r.logFile}`,
    "",
    streams,
    ...r.clockHolds.map((line) => `CLOCK  ${line}`),
    ...r.heldWrites.map((line) => `HELD   ${line}`),
    ...r.refused.flatMap((x) => renderRefused(x, r.dataDir)),
    "",
    ...r.peers.map(renderPeer),
    ...(r.peers.length === 0 ? ["no peers (add one with `tidemark peer add URL`)"] : []),
    "",
    "metrics (non-zero, summed over peers and streams):",
    metrics === "" ? "  none" : metrics,
    "",
  ].join("\n");
}
