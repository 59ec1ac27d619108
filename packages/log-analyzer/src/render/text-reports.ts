// Terminal rendering of each report.
import type { AnomalyReport } from "../analysis/anomalies.js";
import type { CondensedEntry } from "../analysis/condense.js";
import type { DiffReport } from "../analysis/diff.js";
import type { TemplatesReport } from "../analysis/templates-report.js";
import type { TimelineReport } from "../analysis/timeline.js";
import { fmtAt, fmtDuration, fmtInt, renderTable } from "./table.js";

const count = (n: number, noun: string) => `${fmtInt(n)} ${noun}${n === 1 ? "" : "s"}`;

export function templatesText(r: TemplatesReport, top: number): string {
  const rows = r.templates.slice(0, top).map((t) => {
    const params = t.params
      .slice(0, 3)
      .map((p) => {
        const n = p.numeric;
        const range = n === null ? "" : ` ${n.min}..${n.max}`;
        return `${p.distinctExact ? "" : "~"}${fmtInt(p.distinct)} distinct${range}`;
      })
      .join("; ");
    return [
      String(t.id),
      fmtInt(t.count),
      `${(100 * t.share).toFixed(1)}%`,
      t.errors > 0 ? fmtInt(t.errors) : "",
      String(t.firstLine),
      String(t.lastLine),
      t.template,
      params,
    ];
  });
  const head = `${count(r.lines, "line")}, ${count(r.templates.length, "template")}${
    r.templates.length > top ? ` (showing ${top})` : ""
  }`;
  return `${head}\n${renderTable(
    [
      { header: "id", align: "right" },
      { header: "count", align: "right" },
      { header: "share", align: "right" },
      { header: "errors", align: "right" },
      { header: "first", align: "right" },
      { header: "last", align: "right" },
      { header: "template", max: 90 },
      { header: "parameters", max: 60 },
    ],
    rows,
  )}`;
}

export function timelineText(r: TimelineReport): string {
  const out: string[] = [
    `${count(r.lanes.length, "lane")}, ${fmtAt(r.start, r.unit)} → ${fmtAt(r.end, r.unit)} (${fmtDuration(r.end - r.start, r.unit)})`,
    `clock: ${r.clock}${r.untimed > 0 ? `; ${count(r.untimed, "event")} before the first time not placed` : ""}`,
  ];
  for (const l of r.lanes) {
    out.push("");
    out.push(
      `lane ${l.lane}: ${count(l.events, "event")}, ${count(l.errors, "error")}, ${count(l.warnings, "warning")}`,
    );
    if (l.phases.length > 0) {
      out.push(
        renderTable(
          [
            { header: "phase" },
            { header: "start" },
            { header: "duration", align: "right" },
            { header: "events", align: "right" },
          ],
          l.phases.map((p) => [
            p.state,
            fmtAt(p.start, r.unit),
            fmtDuration(p.end - p.start, r.unit),
            fmtInt(p.events),
          ]),
        ),
      );
    }
    const least = fmtDuration(l.gapThreshold, r.unit);
    out.push(
      l.gaps.length === 0
        ? `  no silent gap of ${least} or more`
        : `  silent gaps (${least} or more):`,
    );
    for (const g of l.gaps)
      out.push(
        `  gap: ${fmtDuration(g.duration, r.unit)} of silence from ${fmtAt(g.start, r.unit)}`,
      );
  }
  return out.join("\n");
}

export function anomaliesText(r: AnomalyReport): string {
  const out: string[] = [];
  if (r.onlyInFailed !== null) {
    out.push(`Templates only in the failed run (${r.onlyInFailed.length}):`);
    out.push(
      renderTable(
        [
          { header: "count", align: "right" },
          { header: "first", align: "right" },
          { header: "template", max: 110 },
        ],
        r.onlyInFailed.map((t) => [fmtInt(t.count), String(t.firstLine), t.template]),
      ),
    );
    out.push("");
  }
  out.push(`Rare templates (≤ ${r.rareMax} of ${fmtInt(r.lines)} lines): ${r.rare.length}`);
  out.push(
    renderTable(
      [
        { header: "count", align: "right" },
        { header: "first", align: "right" },
        { header: "template", max: 110 },
      ],
      r.rare.slice(0, 50).map((t) => [fmtInt(t.count), String(t.firstLine), t.template]),
    ),
  );
  out.push("");
  out.push(`Error bursts: ${r.bursts.length}`);
  if (r.bursts.length > 0) {
    out.push(
      renderTable(
        [
          { header: "run", align: "right" },
          { header: "start" },
          { header: "end" },
          { header: "lines" },
          { header: "errors", align: "right" },
          { header: "at baseline", align: "right" },
        ],
        r.bursts.map((b) => [
          String(b.run),
          fmtAt(b.start, b.unit),
          fmtAt(b.end, b.unit),
          `${b.firstLine}–${b.lastLine}`,
          fmtInt(b.errors),
          b.expected.toPrecision(2),
        ]),
      ),
    );
  }
  out.push("");
  out.push(`Retry loops: ${r.loops.length}`);
  if (r.loops.length > 0) {
    out.push(
      renderTable(
        [
          { header: "lane" },
          { header: "repeats", align: "right" },
          { header: "lines" },
          { header: "cycle", max: 110 },
        ],
        r.loops.map((l) => [
          l.lane,
          fmtInt(l.repeats),
          `${l.firstLine}-${l.lastLine}`,
          l.templates.join(" ⇢ "),
        ]),
      ),
    );
  }
  return out.join("\n");
}

export function diffText(r: DiffReport, all: boolean): string {
  const rows = r.rows.filter((x) => all || x.status !== "same");
  return `A: ${fmtInt(r.linesA)} lines, B: ${fmtInt(r.linesB)} lines; only in A: ${r.onlyA}, only in B: ${r.onlyB}, changed rate: ${r.changed}\n${renderTable(
    [
      { header: "status" },
      { header: "A", align: "right" },
      { header: "B", align: "right" },
      { header: "delta", align: "right" },
      { header: "template", max: 110 },
    ],
    rows.map((x) => [
      x.status,
      fmtInt(x.countA),
      fmtInt(x.countB),
      (x.delta > 0 ? "+" : "") + fmtInt(x.delta),
      x.template,
    ]),
  )}`;
}

export function condensedLine(e: CondensedEntry): string {
  if (e.count === 1) return e.text;
  const d = e.distinctParams.length > 0 ? ` params distinct: ${e.distinctParams.join(",")}` : "";
  return `${e.text}\n    … ×${fmtInt(e.count)} lines ${e.firstLine}-${e.lastLine} of ${e.template}${d}`;
}
