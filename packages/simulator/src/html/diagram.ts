// A self-contained space-time (sequence) diagram of one run: one vertical
// lane per device, time flowing down (one row per distinct instant, so
// idle stretches take no space), messages as arrows from send to receive,
// drops as red stubs, faults and engine state transitions as labels on the
// lanes. Inline SVG + a few lines of JS (filters); no external resources.
import type { TraceRecord } from "../trace.js";

export type DiagramInput = {
  readonly title: string;
  readonly devices: number;
  readonly records: readonly TraceRecord[];
  /** Summary lines shown above the diagram (result, replay command). */
  readonly summary: readonly string[];
  /** Most records drawn; the rest are counted, not drawn. */
  readonly maxRecords?: number;
};

const LANE_W = 220;
const ROW_H = 16;
const TOP = 40;
const LEFT = 90;

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const str = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

export function renderDiagram(input: DiagramInput): string {
  const max = input.maxRecords ?? 4_000;
  // A long trace is cut, but its verdict (the property records) is always drawn.
  const drawn = [
    ...input.records.slice(0, max),
    ...input.records.slice(max).filter((r) => r.k === "property"),
  ];
  const times = [
    ...new Set(drawn.flatMap((r) => (r.k === "send" ? [r.t, num(r.at)] : [r.t]))),
  ].sort((a, b) => a - b);
  const row = new Map(times.map((t, i) => [t, i]));
  const y = (t: number) => TOP + (row.get(t) ?? 0) * ROW_H;
  const x = (d: number) => LEFT + d * LANE_W + LANE_W / 2;
  const height = TOP + times.length * ROW_H + 40;
  const width = LEFT + input.devices * LANE_W + 20;
  const out: string[] = [];
  for (let d = 0; d < input.devices; d++) {
    out.push(`<line class="lane" x1="${x(d)}" y1="${TOP - 10}" x2="${x(d)}" y2="${height - 20}"/>`);
    out.push(`<text class="lane-label" x="${x(d)}" y="${TOP - 18}">d${d}</text>`);
  }
  // Time labels every ~20 rows.
  times.forEach((t, i) => {
    if (i % 20 === 0)
      out.push(`<text class="time" x="4" y="${y(t) + 4}">${t.toFixed(1)} ms</text>`);
  });
  for (const r of drawn) {
    const tip = esc(JSON.stringify(r));
    switch (r.k) {
      case "send": {
        const from = num(r.from);
        const to = num(r.to);
        out.push(
          `<g class="msg rpc-${esc(str(r.rpc))}"><title>${tip}</title><line class="arrow" x1="${x(from)}" y1="${y(r.t)}" x2="${x(to)}" y2="${y(num(r.at))}" marker-end="url(#head)"/><text class="msg-label" x="${(x(from) + x(to)) / 2}" y="${(y(r.t) + y(num(r.at))) / 2 - 2}">${esc(str(r.rpc))} ${esc(str(r.part))}</text></g>`,
        );
        break;
      }
      case "drop":
      case "lost": {
        const from = num(r.from);
        const to = num(r.to);
        const mx = x(from) + (x(to) - x(from)) * 0.4;
        out.push(
          `<g class="msg drop"><title>${tip}</title><line class="dropped" x1="${x(from)}" y1="${y(r.t)}" x2="${mx}" y2="${y(r.t) + 6}"/><text class="x" x="${mx}" y="${y(r.t) + 10}">✕ ${esc(str(r.rpc))}</text></g>`,
        );
        break;
      }
      case "fault":
      case "start":
      case "skip": {
        const dev = typeof r.dev === "number" ? r.dev : typeof r.a === "number" ? r.a : 0;
        const label =
          r.k === "start"
            ? `start gen ${str(r.gen)}`
            : `${str(r.op)}${r.b === undefined ? "" : ` d${str(r.a)}↔d${str(r.b)}`}`;
        out.push(
          `<g class="fault"><title>${tip}</title><rect x="${x(dev) + 4}" y="${y(r.t) - 10}" width="${label.length * 6.5 + 8}" height="13" rx="3"/><text x="${x(dev) + 8}" y="${y(r.t)}">${esc(label)}</text></g>`,
        );
        break;
      }
      case "log": {
        const dev = num(r.dev);
        const label = `${str(r.event)}${r.state === undefined ? "" : ` → ${str(r.state)}`}`;
        out.push(
          `<g class="state level-${esc(str(r.level))}"><title>${tip}</title><circle cx="${x(dev)}" cy="${y(r.t)}" r="3"/><text x="${x(dev) - 6}" y="${y(r.t) + 3}" text-anchor="end">${esc(label)}</text></g>`,
        );
        break;
      }
      case "work":
        out.push(
          `<g class="work"><title>${tip}</title><rect x="${x(num(r.dev)) - 4}" y="${y(r.t) - 4}" width="8" height="8"/></g>`,
        );
        break;
      case "connect":
      case "disconnect":
        out.push(
          `<g class="conn ${r.k}"><title>${tip}</title><text x="${x(num(r.dev)) + 6}" y="${y(r.t) + 3}">${r.k} d${str(r.peer)}</text></g>`,
        );
        break;
      case "phase":
      case "property":
        out.push(
          `<g class="phase"><title>${tip}</title><line x1="${LEFT}" y1="${y(r.t)}" x2="${width - 10}" y2="${y(r.t)}"/><text x="${LEFT + (r.k === "phase" ? 0 : 160)}" y="${y(r.t) + (r.k === "phase" ? -2 : 12)}">${esc(r.k === "phase" ? `phase ${str(r.name)}` : r.ok ? "properties hold" : `FAILED ${str(r.property)}: ${str(r.detail)}`)}</text></g>`,
        );
        break;
      default:
        break;
    }
  }
  const more =
    input.records.length > drawn.length
      ? `<p>Showing the first ${drawn.length} of ${input.records.length} trace records.</p>`
      : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>
body{font:13px system-ui,sans-serif;margin:16px;color:#222}
pre{background:#f5f5f5;padding:8px;white-space:pre-wrap}
svg text{font:11px ui-monospace,monospace}
.lane{stroke:#bbb;stroke-width:2}.lane-label{font-weight:bold;text-anchor:middle}
.arrow{stroke:#3b6fb6;stroke-width:1}.msg-label{fill:#3b6fb6;text-anchor:middle;font-size:9px}
.dropped{stroke:#c0392b;stroke-dasharray:3 2}.x{fill:#c0392b;font-size:9px}
.fault rect{fill:#fdecea;stroke:#c0392b}.fault text{fill:#a93226}
.state circle{fill:#8e44ad}.state text{fill:#6c3483;font-size:9px}.level-warn text,.level-error text{fill:#c0392b}
.work rect{fill:#27ae60}.conn text{fill:#7f8c8d;font-size:9px}
.phase line{stroke:#e67e22;stroke-dasharray:6 3}.phase text{fill:#d35400;font-weight:bold}
.time{fill:#999}.hidden{display:none}
</style></head>
<body data-ready="0">
<h1>${esc(input.title)}</h1>
<pre>${input.summary.map(esc).join("\n")}</pre>
<p><label><input type="checkbox" id="show-msg" checked> messages</label>
<label><input type="checkbox" id="show-state" checked> state transitions</label>
<label><input type="checkbox" id="show-drop" checked> drops</label></p>
${more}
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs><marker id="head" markerWidth="8" markerHeight="6" refX="8" refY="3" orient="auto"><path d="M0,0 L8,3 L0,6 z" fill="#3b6fb6"/></marker></defs>
${out.join("\n")}
</svg>
<script>
"use strict";
(function () {
  function bind(id, selector) {
    var box = document.getElementById(id);
    box.addEventListener("change", function () {
      document.querySelectorAll(selector).forEach(function (el) { el.classList.toggle("hidden", !box.checked); });
    });
  }
  bind("show-msg", "g.msg:not(.drop)");
  bind("show-state", "g.state");
  bind("show-drop", "g.drop");
  document.body.setAttribute("data-ready", String(document.querySelectorAll("svg g").length));
})();
</script>
</body></html>
`;
}
