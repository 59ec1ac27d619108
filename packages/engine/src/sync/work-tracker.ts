// Counts in-flight sync work so hosts can await quiescence (Replica.idle).

/** Tracks promises and "pending" tokens; idle() resolves when both are zero. */
export class WorkTracker {
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  /** Runs `fn` as tracked work; errors propagate to the caller. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Starts `fn` in the background as tracked work; errors go to `onError`. */
  spawn(fn: () => Promise<void>, onError: (err: unknown) => void): void {
    this.run(fn).catch(onError);
  }

  /** Marks work that is scheduled but not running (e.g. a queued flush). */
  hold(): () => void {
    this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  get count(): number {
    return this.inFlight;
  }

  /** Resolves once nothing is in flight (immediately if nothing is). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    this.inFlight--;
    if (this.inFlight === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }
}
