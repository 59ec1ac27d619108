// `diff RUN_A RUN_B`: template frequency deltas between two runs mined by
// one shared miner, so the same message shape is the same template in both.
import type { Template } from "../mining/template-miner.js";
import { type Collector, displayTemplate, type RunEvent } from "./scan.js";

export interface DiffRow {
  readonly id: number;
  readonly template: string;
  readonly countA: number;
  readonly countB: number;
  /** countB − countA. */
  readonly delta: number;
  /** Per-1000-line rates, so runs of different length compare fairly. */
  readonly rateA: number;
  readonly rateB: number;
  readonly status: "only-a" | "only-b" | "changed" | "same";
}

export interface DiffReport {
  readonly linesA: number;
  readonly linesB: number;
  readonly onlyA: number;
  readonly onlyB: number;
  readonly changed: number;
  /** Rows with status ≠ same first (only-b, only-a, then by |delta|). */
  readonly rows: readonly DiffRow[];
}

/** Counts templates per run (run 0 = A, run 1 = B). */
export class DiffCollector implements Collector {
  private readonly a = new Map<number, number>();
  private readonly b = new Map<number, number>();
  linesA = 0;
  linesB = 0;

  add(ev: RunEvent, t: Template): void {
    const m = ev.run === 0 ? this.a : this.b;
    if (ev.run === 0) this.linesA++;
    else this.linesB++;
    m.set(t.id, (m.get(t.id) ?? 0) + 1);
  }

  /** `minRatio`: rate change below which a template counts as "same" (default 1.5×). */
  report(all: readonly Template[], minRatio = 1.5): DiffReport {
    const ids = new Set([...this.a.keys(), ...this.b.keys()]);
    const rows: DiffRow[] = [];
    for (const id of ids) {
      const t = all[id];
      if (t === undefined) continue;
      const countA = this.a.get(id) ?? 0;
      const countB = this.b.get(id) ?? 0;
      const rateA = this.linesA === 0 ? 0 : (1000 * countA) / this.linesA;
      const rateB = this.linesB === 0 ? 0 : (1000 * countB) / this.linesB;
      const status =
        countA === 0
          ? "only-b"
          : countB === 0
            ? "only-a"
            : Math.max(rateA, rateB) / Math.min(rateA, rateB) >= minRatio
              ? "changed"
              : "same";
      rows.push({
        id,
        template: displayTemplate(t),
        countA,
        countB,
        delta: countB - countA,
        rateA,
        rateB,
        status,
      });
    }
    const order = { "only-b": 0, "only-a": 1, changed: 2, same: 3 } as const;
    rows.sort(
      (x, y) =>
        order[x.status] - order[y.status] || Math.abs(y.delta) - Math.abs(x.delta) || x.id - y.id,
    );
    return {
      linesA: this.linesA,
      linesB: this.linesB,
      onlyA: rows.filter((r) => r.status === "only-a").length,
      onlyB: rows.filter((r) => r.status === "only-b").length,
      changed: rows.filter((r) => r.status === "changed").length,
      rows,
    };
  }
}
