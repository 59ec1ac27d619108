// Connectivity watch: the engine's connect/disconnect triggers need a host
// that notices a peer coming and going. Each known peer is probed with
// Hello (fast when down or doubtful, slow when up); each transition is
// reported once. A peer is declared down only after `failuresToDown`
// consecutive failures: a busy peer (or a busy us) that misses one probe's
// deadline is not a disconnect, a refused connection fails fast anyway.
import type { SyncClient } from "@tidemark/engine";

export type MonitorOptions = {
  readonly hello: (client: SyncClient, signal: AbortSignal) => Promise<unknown>;
  readonly clientOf: (peer: string) => SyncClient;
  readonly onUp: (peer: string) => void;
  readonly onDown: (peer: string, reason: string) => void;
  readonly downIntervalMs?: number;
  readonly upIntervalMs?: number;
  readonly timeoutMs?: number;
  readonly failuresToDown?: number;
};

export class PeerMonitor {
  private readonly up = new Map<string, boolean>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inflight = new Map<string, AbortController>();
  private closed = false;

  constructor(private readonly opts: MonitorOptions) {}

  watch(peer: string): void {
    if (this.closed || this.timers.has(peer) || this.inflight.has(peer)) return;
    this.up.set(peer, false);
    this.schedule(peer, 0);
  }

  unwatch(peer: string): void {
    const t = this.timers.get(peer);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(peer);
    this.inflight.get(peer)?.abort();
    this.inflight.delete(peer);
    this.up.delete(peer);
    this.failures.delete(peer);
  }

  isUp(peer: string): boolean {
    return this.up.get(peer) === true;
  }

  close(): void {
    this.closed = true;
    for (const peer of [...this.up.keys()]) this.unwatch(peer);
  }

  private schedule(peer: string, delayMs: number): void {
    if (this.closed || !this.up.has(peer)) return;
    this.timers.set(
      peer,
      setTimeout(() => {
        this.timers.delete(peer);
        void this.probe(peer);
      }, delayMs),
    );
  }

  private async probe(peer: string): Promise<void> {
    const ctl = new AbortController();
    this.inflight.set(peer, ctl);
    const timeout = setTimeout(() => ctl.abort(), this.opts.timeoutMs ?? 5_000);
    let ok = false;
    let reason = "";
    try {
      await this.opts.hello(this.opts.clientOf(peer), ctl.signal);
      ok = true;
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timeout);
      this.inflight.delete(peer);
    }
    if (this.closed || !this.up.has(peer)) return;
    const was = this.up.get(peer) === true;
    const failures = ok ? 0 : (this.failures.get(peer) ?? 0) + 1;
    this.failures.set(peer, failures);
    if (ok && !was) {
      this.up.set(peer, true);
      this.opts.onUp(peer);
    }
    if (!ok && was && failures >= (this.opts.failuresToDown ?? 3)) {
      this.up.set(peer, false);
      this.opts.onDown(peer, reason);
    }
    this.schedule(peer, ok ? (this.opts.upIntervalMs ?? 3_000) : (this.opts.downIntervalMs ?? 500));
  }
}
