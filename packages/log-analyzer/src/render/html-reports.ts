// HTML sections for each report.
import type { AnomalyReport } from "../analysis/anomalies.js";
import type { DiffReport } from "../analysis/diff.js";
import type { TemplatesReport } from "../analysis/templates-report.js";
import type { TimelineReport } from "../analysis/timeline.js";
import { escapeHtml, type HtmlSection, htmlTable } from "./html.js";
import { fmtAt, fmtInt } from "./table.js";
import { timelineSvg } from "./timeline-svg.js";

export function templatesSection(r: TemplatesReport, top: number): HtmlSection {
  return {
    heading: `Templates (${r.templates.length}, ${fmtInt(r.lines)} lines)`,
    html: htmlTable(
      ["id", "count", "share", "errors", "first line", "last line", "template", "top values"],
      r.templates.slice(0, top).map((t) => [
        String(t.id),
        fmtInt(t.count),
        `${(100 * t.share).toFixed(2)}%`,
        String(t.errors),
        String(t.firstLine),
        String(t.lastLine),
        t.template,
        t.params
          .slice(0, 3)
          .map((p) =>
            p.top
              .slice(0, 3)
              .map((v) => `${v.value}×${v.count}`)
              .join(", "),
          )
          .join(" | "),
      ]),
      "templates",
    ),
  };
}

export function timelineSection(r: TimelineReport): HtmlSection {
  return {
    heading: `Timeline (${r.lanes.length} lanes)`,
    html: `<p>clock: ${escapeHtml(r.clock)}</p>${timelineSvg(r)}`,
  };
}

export function anomaliesSections(r: AnomalyReport): HtmlSection[] {
  const out: HtmlSection[] = [];
  if (r.onlyInFailed !== null) {
    out.push({
      heading: `Only in the failed run (${r.onlyInFailed.length})`,
      html: htmlTable(
        ["count", "first line", "template"],
        r.onlyInFailed.map((t) => [fmtInt(t.count), String(t.firstLine), t.template]),
      ),
    });
  }
  out.push({
    heading: `Rare templates (≤ ${r.rareMax}): ${r.rare.length}`,
    html: htmlTable(
      ["count", "first line", "template"],
      r.rare.slice(0, 200).map((t) => [fmtInt(t.count), String(t.firstLine), t.template]),
    ),
  });
  out.push({
    heading: `Error bursts: ${r.bursts.length}`,
    html: htmlTable(
      ["run", "start", "end", "lines", "errors", "at baseline"],
      r.bursts.map((b) => [
        String(b.run),
        fmtAt(b.start, b.unit),
        fmtAt(b.end, b.unit),
        `${b.firstLine}–${b.lastLine}`,
        fmtInt(b.errors),
        b.expected.toPrecision(2),
      ]),
    ),
  });
  out.push({
    heading: `Retry loops: ${r.loops.length}`,
    html: htmlTable(
      ["lane", "repeats", "lines", "cycle"],
      r.loops.map((l) => [
        l.lane,
        fmtInt(l.repeats),
        `${l.firstLine}-${l.lastLine}`,
        l.templates.join(" ⇢ "),
      ]),
    ),
  });
  return out;
}

export function diffSection(r: DiffReport, all: boolean): HtmlSection {
  return {
    heading: `Diff: only in A ${r.onlyA}, only in B ${r.onlyB}, changed ${r.changed}`,
    html: htmlTable(
      ["status", "A", "B", "delta", "template"],
      r.rows
        .filter((x) => all || x.status !== "same")
        .map((x) => [x.status, fmtInt(x.countA), fmtInt(x.countB), String(x.delta), x.template]),
      "diff",
    ),
  };
}
