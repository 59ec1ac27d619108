// Plain aligned text tables for terminal reports.

/** Left-aligns text columns, right-aligns columns whose every cell is numeric. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.,]+( \S+)?$/.test(r[i] ?? "")),
  );
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => {
        const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - [...cell].length));
        return numeric[i] === true ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  return [
    line(header),
    line(header.map((_, i) => "-".repeat(widths[i] ?? 0))),
    ...rows.map(line),
  ].join("\n");
}
