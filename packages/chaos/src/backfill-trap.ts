// "Kill a peer mid-Backfill" must land mid-stream whatever the machine's
// load: a poll of in-flight calls misses a short Backfill that starts and
// ends between two looks. The trap holds the first Backfill to or from the
// peer after its first response chunk until the runner has killed it.
import type { InFlight } from "./proxy.js";

type Armed = {
  readonly dev: number;
  readonly caught: (call: InFlight) => void;
  readonly released: Promise<void>;
};

export type BackfillTrap = {
  /** The held call, once a Backfill to or from the peer has sent a chunk. */
  readonly caught: Promise<InFlight>;
  /** Lets the held call go on (or disarms a trap that caught nothing). */
  readonly release: () => void;
};

export class BackfillTraps {
  private readonly armed = new Set<Armed>();

  /** Arms a trap for the next Backfill to or from `dev`. */
  arm(dev: number): BackfillTrap {
    let release: () => void = () => undefined;
    let caught: (call: InFlight) => void = () => undefined;
    const released = new Promise<void>((r) => {
      release = () => {
        this.armed.delete(entry);
        r();
      };
    });
    const seen = new Promise<InFlight>((r) => {
      caught = r;
    });
    const entry: Armed = { dev, caught, released };
    this.armed.add(entry);
    return { caught: seen, release };
  }

  /** Called after each Backfill response chunk: holds the call if a trap wants it. */
  async hold(call: InFlight): Promise<void> {
    for (const t of this.armed) {
      if (t.dev !== call.from && t.dev !== call.to) continue;
      this.armed.delete(t);
      t.caught(call);
      await t.released;
      return;
    }
  }
}
