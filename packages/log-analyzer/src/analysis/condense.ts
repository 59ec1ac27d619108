// `condense`: the log with runs of the same template collapsed into one line
// and a count. Streams: at most one pending run is held in memory.
import type { FieldValue } from "../mining/pino-line.js";
import type { Template } from "../mining/template-miner.js";
import { type Collector, displayTemplate, type RunEvent } from "./scan.js";

export interface CondensedEntry {
  readonly run: number;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly count: number;
  readonly templateId: number;
  /** The first line of the run, rendered readably. */
  readonly text: string;
  /** For count > 1: the template, and how many distinct values each parameter took. */
  readonly template: string | null;
  readonly distinctParams: readonly number[];
}

const MAX_TRACKED = 64;

/** Renders one event readably: pino lines as `time level [event] msg key=value…`. */
export function renderEvent(ev: RunEvent, t: Template, raw: string | undefined): string {
  if (ev.fields === null || raw === undefined || !raw.trimStart().startsWith("{")) {
    return raw ?? displayTemplate(t);
  }
  const f = ev.fields;
  const parts: string[] = [];
  if (ev.time !== undefined) parts.push(new Date(ev.time).toISOString().slice(11, 23));
  if (ev.level !== undefined) parts.push(ev.level.toUpperCase().padEnd(5));
  if (typeof f.event === "string") parts.push(`[${f.event}]`);
  let msg: string | undefined;
  try {
    const o: unknown = JSON.parse(raw);
    if (typeof o === "object" && o !== null && "msg" in o && typeof o.msg === "string") msg = o.msg;
  } catch {
    msg = undefined;
  }
  const skip = new Set(["time", "level", "event", "msg", "pid", "hostname"]);
  const kv = Object.entries(f)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]: [string, FieldValue]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  let text = parts.join(" ");
  const body = msg ?? ev.params.join(" ");
  text += ` ${body}`;
  if (kv.length > 0) text += `  ${kv.join(" ")}`;
  return text;
}

/** Collapses consecutive lines of one template; `emit` receives finished entries. */
export class CondenseCollector implements Collector {
  private pending: {
    ev: RunEvent;
    t: Template;
    text: string;
    count: number;
    last: number;
    distinct: Set<string>[];
  } | null = null;
  private readonly emit: (e: CondensedEntry) => void;

  constructor(emit: (e: CondensedEntry) => void) {
    this.emit = emit;
  }

  add(ev: RunEvent, t: Template, raw: string): void {
    const p = this.pending;
    if (p !== null && p.t.id === t.id && p.ev.run === ev.run) {
      p.count++;
      p.last = ev.line;
      ev.params.forEach((v, i) => {
        const s = p.distinct[i];
        if (s !== undefined && s.size < MAX_TRACKED) s.add(v);
      });
      return;
    }
    this.flush();
    this.pending = {
      ev,
      t,
      text: renderEvent(ev, t, raw),
      count: 1,
      last: ev.line,
      distinct: ev.params.map((v) => new Set([v])),
    };
  }

  /** Emits the pending run, if any. Call once at the end. */
  flush(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    this.emit({
      run: p.ev.run,
      firstLine: p.ev.line,
      lastLine: p.last,
      count: p.count,
      templateId: p.t.id,
      text: p.text,
      template: p.count > 1 ? displayTemplate(p.t) : null,
      distinctParams: p.count > 1 ? p.distinct.map((s) => s.size) : [],
    });
  }
}
