// After healing: read every peer through its probe until the simulator's
// properties hold (or the heal bound passes, or nothing has moved for a
// while), then judge with the simulator's own property code.
import { streamKeyString } from "@tidemark/engine";
import {
  allFailures,
  type NodeView,
  type Oracle,
  type PropertyFailure,
  type ReplicaProbe,
  snapshotNode,
} from "@tidemark/simulator";

export type Judged = {
  readonly index: number;
  readonly deviceId: string;
  readonly probe: ReplicaProbe;
};

export type JudgeOptions = {
  readonly oracle: Oracle;
  readonly bufferPeaks: ReadonlyMap<string, number>;
  readonly pendingBufferMax: number;
  readonly healMs: number;
  /** Stop waiting once no watermark changed for this long. */
  readonly quietMs: number;
  readonly progress: (line: string) => void;
  /** Called once when half the quiet time passed (the runner re-sends Connect). */
  readonly nudge: () => Promise<void>;
};

export type Judgement = {
  readonly failures: readonly PropertyFailure[];
  /** Ms from the heal until the properties held (or the wait ended). */
  readonly waitedMs: number;
  readonly nodes: readonly NodeView[];
};

/**
 * The oracle learns rows a peer wrote by itself (its device row at open),
 * and places its unconfirmed commits once it confirmed them: until then
 * (own rows above its cursor, PROTOCOL §3.7) their seqs may still move.
 */
export async function ingestOwn(oracle: Oracle, peer: Judged): Promise<void> {
  for (const w of await peer.probe.watermarks()) {
    if (w.stream.origin !== peer.deviceId) continue;
    const entries = await peer.probe.entries(w.stream);
    oracle.settlePending(w.stream, entries, w.cursor);
    oracle.ingestOwn(w.stream, entries, w.cursor ?? 0n);
  }
}

/**
 * Places a peer's unconfirmed commits the workload recorded once the peer
 * confirmed them (as the simulator's settleOwnCommits): during the run,
 * where rows are not learned from the peer itself.
 */
export async function settleOwn(oracle: Oracle, peer: Judged): Promise<void> {
  const pending = oracle.pendingStreams(peer.deviceId);
  if (pending.length === 0) return;
  const marks = await peer.probe.watermarks();
  for (const stream of pending) {
    const key = streamKeyString(stream);
    const w = marks.find((m) => streamKeyString(m.stream) === key);
    if (w?.cursor === undefined) continue;
    oracle.settlePending(stream, await peer.probe.entries(stream), w.cursor);
  }
}

function fingerprint(nodes: readonly NodeView[]): string {
  return nodes
    .map((n) =>
      n.watermarks
        .map((w) => `${streamKeyString(w.stream)}:${w.cursor}:${w.fingerprint}:${w.pulling}`)
        .sort()
        .join(","),
    )
    .join("|");
}

export async function judge(peers: readonly Judged[], o: JudgeOptions): Promise<Judgement> {
  const start = Date.now();
  let quietSince = Date.now();
  let last = "";
  let lastReport = 0;
  let nudged = false;
  for (;;) {
    for (const p of peers) await ingestOwn(o.oracle, p);
    const nodes: NodeView[] = [];
    for (const p of peers) nodes.push(await snapshotNode(p.index, p.deviceId, p.probe));
    const failures = allFailures({
      nodes,
      oracle: o.oracle,
      bufferPeaks: o.bufferPeaks,
      pendingBufferMax: o.pendingBufferMax,
      allOriginsLive: true,
    });
    const waitedMs = Date.now() - start;
    const now = fingerprint(nodes);
    if (now !== last) {
      last = now;
      quietSince = Date.now();
      nudged = false;
    }
    const quiet = Date.now() - quietSince;
    if (failures.length === 0 || waitedMs > o.healMs || quiet > o.quietMs) {
      return { failures, waitedMs, nodes };
    }
    if (!nudged && quiet > o.quietMs / 2) {
      nudged = true;
      await o.nudge();
    }
    if (Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      const first = failures[0];
      o.progress(
        `healing ${Math.round(waitedMs / 1000)}s: waiting on ${first?.property ?? "?"} (${first?.detail.slice(0, 100) ?? ""})`,
      );
    }
    await new Promise((r) => setTimeout(r, 400));
  }
}
