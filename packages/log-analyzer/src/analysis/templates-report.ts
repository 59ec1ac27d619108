// `analyze`: every template with its count, first/last seen and parameter stats.
import type { ParamSummary } from "../mining/param-stats.js";
import { isErrorLevel } from "../mining/pino-line.js";
import type { Template } from "../mining/template-miner.js";
import { type Collector, displayTemplate, type RunEvent } from "./scan.js";

export interface TemplateRow {
  readonly id: number;
  readonly template: string;
  readonly count: number;
  /** Share of all lines, 0..1. */
  readonly share: number;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly firstTime: number | undefined;
  readonly lastTime: number | undefined;
  /** Lines of this template at error/fatal level. */
  readonly errors: number;
  readonly params: readonly ParamSummary[];
}

export interface TemplatesReport {
  readonly lines: number;
  readonly templates: readonly TemplateRow[];
}

/** Counts error-level lines per template while scanning. */
export class ErrorCounter implements Collector {
  readonly perTemplate = new Map<number, number>();
  add(ev: RunEvent): void {
    if (isErrorLevel(ev.level)) {
      this.perTemplate.set(ev.templateId, (this.perTemplate.get(ev.templateId) ?? 0) + 1);
    }
  }
}

/** Builds the report from the miner's templates (most frequent first). */
export function templatesReport(
  templates: readonly Template[],
  errors: ErrorCounter,
  lines: number,
): TemplatesReport {
  const rows = templates
    .filter((t) => t.count > 0)
    .map(
      (t): TemplateRow => ({
        id: t.id,
        template: displayTemplate(t),
        count: t.count,
        share: lines === 0 ? 0 : t.count / lines,
        firstLine: t.firstLine,
        lastLine: t.lastLine,
        firstTime: t.firstTime,
        lastTime: t.lastTime,
        errors: errors.perTemplate.get(t.id) ?? 0,
        params: t.stats.flatMap((s) => (s === undefined ? [] : [s.summary()])),
      }),
    )
    .sort((a, b) => b.count - a.count || a.id - b.id);
  return { lines, templates: rows };
}
