// An async-iterable queue: the simulated network pushes delivered pages,
// the engine's `for await` pulls them. Bounded by the stream's pacing.

export class AsyncChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter:
    | { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }
    | undefined;
  private done = false;
  private error: unknown;
  private hasError = false;
  /** Set when the consumer stops early (break / return). */
  closed = false;

  /** Nothing more will be taken: ended, failed (e.g. the caller's deadline) or closed. */
  get finished(): boolean {
    return this.done || this.closed;
  }
  onReturn: (() => void) | undefined;

  push(item: T): void {
    if (this.done || this.closed) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.wake();
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    this.hasError = true;
    this.error = err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (w === undefined || this.items.length > 0) return;
    this.waiter = undefined;
    if (this.hasError) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.done) {
          if (this.hasError) return Promise.reject(this.error);
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.waiter = { resolve, reject };
        });
      },
      return: () => {
        this.closed = true;
        this.done = true;
        this.onReturn?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
