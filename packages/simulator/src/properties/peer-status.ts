// What a replica publishes about its peers (its status API and exported
// metrics, what a host shows its user and what an operator alerts on) must
// be true. peer-metrics-agree: each peer's state gauge is one-hot at the
// state status() gives, and its failure gauge is status()'s count (judged
// at every sample). peers-ready-at-rest: once the healed world has rested
// through a periodic exchange, every connected pair of the library is
// `ready` with no failures counted: a peer left `catching-up`, `backfilling`
// or in `backoff` with nothing to do tells the user that sync is stuck.
import type { SimNode } from "../node.js";
import type { PeerView } from "../probe/types.js";
import type { PropertyFailure } from "./property.js";

const STATE_GAUGE = "tidemark_peer_state";
const FAILURES_GAUGE = "tidemark_consecutive_failures";

type Series = { readonly name: string; readonly labels: Readonly<Record<string, string>> };

/** A flat metric key (`name{a="x",b="y"}`) as its name and labels. */
export function parseMetricKey(key: string): Series {
  const brace = key.indexOf("{");
  if (brace < 0) return { name: key, labels: {} };
  const labels: Record<string, string> = {};
  for (const m of key.slice(brace + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, "$1");
  return { name: key.slice(0, brace), labels };
}

/** The values of one metric's series for one peer, keyed by the series' other labels. */
function seriesOf(
  metrics: Readonly<Record<string, number>>,
  name: string,
  peer: string,
): { readonly labels: Readonly<Record<string, string>>; readonly value: number }[] {
  const out: { labels: Readonly<Record<string, string>>; value: number }[] = [];
  for (const [key, value] of Object.entries(metrics)) {
    if (!key.startsWith(name)) continue;
    const s = parseMetricKey(key);
    if (s.name === name && s.labels.peer === peer) out.push({ labels: s.labels, value });
  }
  return out;
}

/** peer-metrics-agree for one replica: its gauges against its status, peer by peer. */
export function peerMetricsAgree(
  device: number,
  peers: readonly PeerView[],
  metrics: Readonly<Record<string, number>>,
): PropertyFailure | undefined {
  for (const p of peers) {
    const states = seriesOf(metrics, STATE_GAUGE, p.peer);
    const on = states.filter((s) => s.value !== 0).map((s) => s.labels.state);
    const wrong =
      on.length !== 1 || on[0] !== p.state || states.some((s) => s.value !== 0 && s.value !== 1);
    const failures = seriesOf(metrics, FAILURES_GAUGE, p.peer).reduce((n, s) => n + s.value, 0);
    if (!wrong && failures === p.consecutiveFailures) continue;
    return {
      property: "peer-metrics-agree",
      detail: `d${device}'s metrics disagree with its status for peer ${p.peer.slice(0, 8)}: status ${p.state} with ${p.consecutiveFailures} failures in a row; ${STATE_GAUGE} set for [${on.join(", ")}] (${states.length} series), ${FAILURES_GAUGE} ${failures}`,
    };
  }
  return undefined;
}

/** peer-metrics-agree over every live replica that publishes its peers. */
export async function peerStatusAgrees(
  nodes: readonly SimNode[],
): Promise<PropertyFailure | undefined> {
  for (const n of nodes) {
    const probe = n.replica?.probe;
    if (probe?.peers === undefined) continue;
    const f = peerMetricsAgree(n.index, await probe.peers(), await probe.metrics());
    if (f !== undefined) return f;
  }
  return undefined;
}

/**
 * peers-ready-at-rest: `reachable(a, b)` says whether the healed network
 * lets a and b talk (both live members of one library, linked, links up).
 */
export async function peersReadyAtRest(
  nodes: readonly SimNode[],
  reachable: (a: SimNode, b: SimNode) => boolean,
): Promise<PropertyFailure | undefined> {
  const byId = new Map(nodes.map((n) => [n.deviceId, n]));
  for (const a of nodes) {
    const probe = a.replica?.probe;
    if (probe?.peers === undefined) continue;
    for (const p of await probe.peers()) {
      const b = byId.get(p.peer);
      if (b === undefined || !reachable(a, b)) continue;
      if (p.state === "ready" && p.connected && p.consecutiveFailures === 0) continue;
      return {
        property: "peers-ready-at-rest",
        devices: [a.index, b.index],
        detail: `after the healed world agreed and rested through a periodic exchange, d${a.index} shows peer d${b.index} as ${p.state}${p.connected ? "" : ", disconnected"} with ${p.consecutiveFailures} failures in a row (expected ready, connected, 0)`,
      };
    }
  }
  return undefined;
}
