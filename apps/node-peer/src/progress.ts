// Progress output for long work: a redrawn bar with rate on a TTY, plain
// lines (at most one per `plainEveryMs`) when stderr is a file or a pipe.

export function bar(fraction: number, width = 28): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}]`;
}

export function formatRate(count: number, elapsedMs: number, unit: string): string {
  if (elapsedMs <= 0) return `0 ${unit}/s`;
  const rate = (count * 1000) / elapsedMs;
  return rate >= 10_000
    ? `${(rate / 1000).toFixed(1)}k ${unit}/s`
    : `${Math.round(rate)} ${unit}/s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export type ProgressSink = { write(text: string): unknown; isTTY?: boolean };

/** One progress line, redrawn in place on a TTY, throttled lines otherwise. */
export class ProgressLine {
  private lastDraw = 0;

  constructor(
    private readonly out: ProgressSink = process.stderr,
    private readonly plainEveryMs = 2_000,
    private readonly ttyEveryMs = 100,
  ) {}

  update(text: string, force = false): void {
    const now = Date.now();
    const tty = this.out.isTTY === true;
    if (!force && now - this.lastDraw < (tty ? this.ttyEveryMs : this.plainEveryMs)) return;
    this.lastDraw = now;
    if (tty) {
      this.out.write(`\r\x1b[2K${text}`);
    } else {
      this.out.write(`${text}\n`);
    }
  }

  /** Erases a redrawn line (TTY); plain output keeps its lines. */
  clear(): void {
    if (this.out.isTTY === true) this.out.write("\r\x1b[2K");
  }

  /** Prints the final state and ends the line. */
  done(text: string): void {
    if (this.out.isTTY === true) {
      this.out.write(`\r\x1b[2K${text}\n`);
    } else {
      this.out.write(`${text}\n`);
    }
  }
}
