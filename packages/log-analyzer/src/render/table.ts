// Plain aligned text tables for terminals (no colours, so logs stay readable).

export interface Column {
  readonly header: string;
  readonly align?: "left" | "right";
  /** Cells longer than this are cut with "…". */
  readonly max?: number;
}

function cut(s: string, max: number | undefined): string {
  const one = s.replace(/[\r\n\t]/g, " ");
  return max !== undefined && one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Renders rows under headers with two spaces between columns. */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const cells = rows.map((r) => columns.map((c, i) => cut(r[i] ?? "", c.max)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => (r[i] as string).length)),
  );
  const line = (r: readonly string[]): string =>
    columns
      .map((c, i) => {
        const w = widths[i] as number;
        const v = r[i] as string;
        return c.align === "right" ? v.padStart(w) : v.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  const out = [line(columns.map((c) => c.header)), line(widths.map((w) => "-".repeat(w)))];
  for (const r of cells) out.push(line(r));
  return out.join("\n");
}

/** 12345 → "12,345". */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** A time in the report's unit: ISO time for epoch ms, "line N" otherwise. */
export function fmtAt(v: number | undefined, unit: "ms" | "line"): string {
  if (v === undefined) return "";
  if (unit === "line") return `line ${v}`;
  return new Date(v).toISOString().replace("T", " ").replace("Z", "");
}

/** A duration in the unit: "1.5s" / "250ms" / "12 lines". */
export function fmtDuration(d: number, unit: "ms" | "line"): string {
  if (unit === "line") return `${fmtInt(d)} lines`;
  if (d >= 60_000) return `${(d / 60_000).toFixed(1)}min`;
  if (d >= 1000) return `${(d / 1000).toFixed(1)}s`;
  return `${Math.round(d)}ms`;
}
