// The peers a hostile test file starts: real in-process peers, each closed
// (data dir removed) after every test, even one that failed half-way.
import { afterEach } from "vitest";
import {
  type InProcessOptions,
  type InProcessPeer,
  startInProcessPeer,
} from "../support/in-process-peer.js";

/** What start() takes besides the name. */
export type StartOptions = Omit<InProcessOptions, "name">;

export type PeerStarter = {
  /** Starts a peer that closes (data dir removed) after the test. */
  start(name: string, opts?: StartOptions): Promise<InProcessPeer>;
  /** Closes `p` now, keeping its data dir for a restart; it is no longer closed after the test. */
  closeKeepingData(p: InProcessPeer): Promise<void>;
};

/**
 * The peers of one test file: `defaults` apply to every peer (the call's
 * own options win), and every peer started is closed after each test. Call
 * at module level (it registers an afterEach).
 */
export function peerStarter(defaults: StartOptions = {}): PeerStarter {
  const peers: InProcessPeer[] = [];
  afterEach(async () => {
    await Promise.allSettled(peers.splice(0).map((p) => p.close()));
  });
  return {
    async start(name, opts = {}) {
      const p = await startInProcessPeer({ name, ...defaults, ...opts });
      peers.push(p);
      return p;
    },
    async closeKeepingData(p) {
      const at = peers.indexOf(p);
      if (at >= 0) peers.splice(at, 1);
      await p.close(true);
    },
  };
}
