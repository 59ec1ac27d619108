// The timeline as an inline SVG: one row per lane, phases as coloured bars,
// silent gaps hatched, events as ticks (warnings amber, errors red).
import type { TimelineReport } from "../analysis/timeline.js";
import { escapeHtml } from "./html.js";
import { fmtAt, fmtDuration } from "./table.js";

const WIDTH = 1100;
const LABEL = 170;
const ROW = 34;
const TOP = 30;

// ColorBrewer Set3: twelve light colours chosen to be told apart.
const PALETTE = [
  "#8dd3c7",
  "#ffffb3",
  "#bebada",
  "#fb8072",
  "#80b1d3",
  "#fdb462",
  "#b3de69",
  "#fccde5",
  "#d9d9d9",
  "#bc80bd",
  "#ccebc5",
  "#ffed6f",
];

/**
 * One colour per state, all different: the palette for the first twelve
 * states (sorted by name, so a report is stable), then hues a golden angle
 * apart at alternating lightness. A hash of the name gave two states nearly
 * the same colour.
 */
export function stateColours(states: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  [...new Set(states)].sort().forEach((s, i) => {
    const hue = Math.round((i * 137.508) % 360);
    out.set(s, PALETTE[i] ?? `hsl(${hue}, 55%, ${i % 2 === 0 ? 72 : 84}%)`);
  });
  return out;
}

export function timelineSvg(r: TimelineReport): string {
  const span = Math.max(r.end - r.start, 1);
  const plot = WIDTH - LABEL - 20;
  const x = (v: number): number => LABEL + ((v - r.start) / span) * plot;
  const height = TOP + r.lanes.length * ROW + 30;
  const stateFill = stateColours(r.lanes.flatMap((l) => l.phases.map((p) => p.state)));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="timeline" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f4f4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/></pattern></defs>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = r.start + (span * k) / 5;
    const px = x(v).toFixed(1);
    const label = r.unit === "ms" ? `+${fmtDuration(v - r.start, "ms")}` : `line ${Math.round(v)}`;
    parts.push(`<line x1="${px}" y1="${TOP - 8}" x2="${px}" y2="${height - 24}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${px}" y="${TOP - 12}" text-anchor="middle" fill="#555">${escapeHtml(label)}</text>`,
    );
  }
  r.lanes.forEach((lane, i) => {
    const y = TOP + i * ROW;
    parts.push(`<g class="lane" data-lane="${escapeHtml(lane.lane)}">`);
    parts.push(
      `<text x="4" y="${y + ROW / 2 + 4}" fill="#222">${escapeHtml(lane.lane.length > 24 ? `${lane.lane.slice(0, 23)}…` : lane.lane)}</text>`,
    );
    parts.push(
      `<rect x="${LABEL}" y="${y + 4}" width="${plot}" height="${ROW - 8}" fill="#fafafa" stroke="#eee"/>`,
    );
    for (const p of lane.phases) {
      const x0 = x(p.start);
      const w = Math.max(x(p.end) - x0, 1);
      parts.push(
        `<rect class="phase" x="${x0.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${stateFill.get(p.state)}"><title>${escapeHtml(`${p.state}: ${fmtAt(p.start, r.unit)} for ${fmtDuration(p.end - p.start, r.unit)}, ${p.events} events`)}</title></rect>`,
      );
      if (w > 40) {
        parts.push(
          `<text x="${(x0 + 3).toFixed(1)}" y="${y + 15}" fill="#333" font-size="9">${escapeHtml(p.state)}</text>`,
        );
      }
    }
    for (const g of lane.gaps) {
      const x0 = x(g.start);
      parts.push(
        `<rect class="gap" x="${x0.toFixed(1)}" y="${y + 20}" width="${Math.max(x(g.end) - x0, 1).toFixed(1)}" height="${ROW - 24}" fill="url(#hatch)"><title>${escapeHtml(`gap of ${fmtDuration(g.duration, r.unit)}`)}</title></rect>`,
      );
    }
    for (const [at, rank] of lane.points) {
      const px = x(at).toFixed(1);
      const colour = rank === 2 ? "#d62728" : rank === 1 ? "#f0a000" : "#777";
      const h = rank === 0 ? 6 : 12;
      parts.push(
        `<line x1="${px}" y1="${y + ROW - 4 - h}" x2="${px}" y2="${y + ROW - 4}" stroke="${colour}" stroke-width="${rank === 0 ? 0.6 : 1.5}"/>`,
      );
    }
    parts.push("</g>");
  });
  const states = [...new Set(r.lanes.flatMap((l) => l.phases.map((p) => p.state)))].slice(0, 12);
  let lx = LABEL;
  for (const s of states) {
    parts.push(
      `<rect x="${lx}" y="${height - 18}" width="10" height="10" fill="${stateFill.get(s)}"/>`,
    );
    parts.push(`<text x="${lx + 14}" y="${height - 9}">${escapeHtml(s)}</text>`);
    lx += 24 + s.length * 7;
  }
  parts.push("</svg>");
  return parts.join("\n");
}
