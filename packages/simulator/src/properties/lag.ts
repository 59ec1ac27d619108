// lag-at-rest (exported metrics): a dashboard reads `tidemark_lag_seqs`,
// one gauge per stream, to see which stream is behind and by how much
// (seqs between the best cursor any peer advertised and the device's own).
// Once the healed world has rested for a periodic exchange every device
// holds every stream at its head and has heard every peer say so: each
// stream it holds must have its own gauge, and every gauge must read 0.
// A gauge left high (a peer's stale or refuted claim kept as the best),
// or one series for all streams, tells its user a lie. An implementation
// that exports no lag gauge at all is not judged; neither is a stream a
// device holds below the head (an origin gone with seqs nobody else has).
// lag-while-behind, its other side: a stream held back (PROTOCOL §12) is
// still behind its live origin once the others converged, and every
// device has exchanged with that origin since the heal: its gauge must say
// so (at least 1), not 0 as if it were caught up.
import { streamKeyString } from "@tidemark/engine";
import type { Oracle } from "../oracle.js";
import type { ReplicaProbe } from "../probe/probe.js";
import type { PropertyFailure } from "./property.js";
import { streamHeads } from "./streams.js";
import type { WatermarkView } from "./view.js";

const NAME = "lag-at-rest";
const NAME_BEHIND = "lag-while-behind";

/** What these checks read of a device (a SimNode; a stub in tests). */
export type LagNode = {
  readonly index: number;
  readonly replica: { readonly probe: Pick<ReplicaProbe, "metrics" | "watermarks"> } | undefined;
};
const FAMILY = "tidemark_lag_seqs";

/** The `stream` label of a series key such as `tidemark_lag_seqs{device="d",stream="s"}`. */
function streamLabel(series: string): string | undefined {
  return /[{,]stream="([^"]*)"/.exec(series)?.[1];
}

/**
 * Each stream's lag gauge on `n` (stream key -> value); undefined when it
 * exports none, "unlabelled" when a series names no stream.
 */
async function lagGauges(n: LagNode): Promise<Map<string, number> | "unlabelled" | undefined> {
  if (n.replica === undefined) return undefined;
  const metrics = await n.replica.probe.metrics();
  const gauges = Object.entries(metrics).filter(([k]) => k.startsWith(`${FAMILY}{`));
  if (gauges.length === 0) return undefined;
  const byStream = new Map<string, number>();
  for (const [k, v] of gauges) {
    const stream = streamLabel(k);
    if (stream === undefined) return "unlabelled";
    byStream.set(stream, v);
  }
  return byStream;
}

/**
 * Judges every live member's lag gauges, for the streams it holds at the
 * head the oracle saw committed: no honest peer, live or gone, can claim
 * more of those. Not when a device that lied or forged is gone: others
 * may still hold its last over-claim, and it never speaks again to
 * correct it.
 */
export async function lagAtRest(
  nodes: readonly LagNode[],
  oracle: Pick<Oracle, "head">,
  liarGone: boolean,
): Promise<PropertyFailure | undefined> {
  if (liarGone) return undefined;
  for (const n of nodes) {
    const byStream = await lagGauges(n);
    if (byStream === undefined || n.replica === undefined) continue;
    if (byStream === "unlabelled")
      return { property: NAME, detail: `d${n.index} exports a ${FAMILY} series naming no stream` };
    for (const w of await n.replica.probe.watermarks()) {
      const key = streamKeyString(w.stream);
      if (w.cursor === undefined || w.cursor !== oracle.head(key)) continue;
      const lag = byStream.get(key);
      if (lag === undefined)
        return {
          property: NAME,
          detail: `d${n.index} holds stream ${key} but exports no lag for it`,
        };
      if (lag !== 0)
        return {
          property: NAME,
          detail: `d${n.index} reports stream ${key} ${lag} seqs behind while it holds it at its head (${w.cursor})`,
        };
    }
  }
  return undefined;
}

/**
 * lag-while-behind: every stream a live member holds below its head, or
 * lacks (the head: the origin's cursor, the origin live and linked to it:
 * behind a relay that holds no more, a lag of 0 is the truth), must show
 * a lag of at least 1. Called
 * when only held streams may still be behind (held-stream-isolated's time).
 */
export async function lagWhileBehind(
  nodes: readonly LagNode[],
  views: readonly WatermarkView[],
  linked: (a: number, b: number) => boolean,
): Promise<PropertyFailure | undefined> {
  const heads = streamHeads(views);
  const indexOf = new Map(views.map((v) => [v.deviceId, v.index]));
  for (const n of nodes) {
    const view = views.find((v) => v.index === n.index);
    const byStream = await lagGauges(n);
    if (view === undefined || byStream === undefined) continue;
    if (byStream === "unlabelled")
      return {
        property: NAME_BEHIND,
        detail: `d${n.index} exports a ${FAMILY} series naming no stream`,
      };
    const held = new Map(view.watermarks.map((w) => [streamKeyString(w.stream), w.cursor]));
    for (const [key, head] of heads) {
      const cursor = held.get(key);
      const origin = indexOf.get(key.split("/")[0] as string);
      if (origin === undefined || !linked(n.index, origin) || (cursor ?? 0n) >= head) continue;
      const lag = byStream.get(key) ?? 0;
      if (lag < 1)
        return {
          property: NAME_BEHIND,
          detail: `d${n.index} holds stream ${key} at ${cursor ?? "no cursor"}, its origin at ${head}, and reports a lag of ${lag}`,
        };
    }
  }
  return undefined;
}
