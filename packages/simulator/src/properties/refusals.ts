// honest-answers-accepted: honest replicas never refuse each other's
// answers. A refused answer fails only that attempt (a pull or reconcile
// from another peer repairs), so a replica that wrongly refuses correct
// answers still converges: only its count of refusals shows it. Every live
// honest replica's tidemark_invalid_responses_total (any rpc: a
// validator's refusal or the caller's own checks) must stay 0 for every
// honest peer, sampled through the run (a restart starts the counters
// afresh, so this is a lower bound). Not judged: answers of devices that
// lied or forged at any time, and the answers other than Reconcile's of
// devices whose store a fault damaged (lost or stale rows: such a store
// may serve pages a caller rightly refuses, seqs out of order). A damaged
// store's Reconcile answers are judged: they describe the set it holds,
// and reconciliation is how its lost rows come back. Every caller is
// judged: a liar's or forger's replica is honest inside.
// The simulated network drops, delays and duplicates whole messages but
// never alters one, so no refusal between honest devices is the network's.
import { deviceIdOf } from "../ids.js";
import type { SimNode } from "../node.js";
import type { Scenario, StepKind } from "../scenario.js";
import { INVALID_RESPONSES as METRIC } from "./invalid-answers.js";
import { parseMetricKey } from "./peer-status.js";
import type { PropertyFailure } from "./property.js";

/** Steps after which a device's answers are not an honest replica's. */
const LYING: ReadonlySet<StepKind> = new Set(["liar", "forge"]);
/** Steps that damage a device's store (its Reconcile answers stay true). */
const DAMAGING: ReadonlySet<StepKind> = new Set(["lose-rows", "stale-rows"]);

/** Who is not judged: liars and forgers, and damaged stores for rpcs but Reconcile. */
export type Unjudged = {
  readonly lying: ReadonlySet<number>;
  readonly damaged: ReadonlySet<number>;
};

/** The devices of `scenario` whose answers are not (all) judged. */
export function unjudgedDevices(scenario: Scenario): Unjudged {
  const lying = new Set<number>();
  const damaged = new Set<number>();
  for (const s of scenario.steps) {
    if (!("dev" in s)) continue;
    if (LYING.has(s.do)) lying.add(s.dev);
    if (DAMAGING.has(s.do)) damaged.add(s.dev);
  }
  return { lying, damaged };
}

/** The first refusal by a live replica of an honest peer's answer, if any. */
export async function honestRefusals(
  nodes: readonly SimNode[],
  unjudged: Unjudged,
  devices: number,
): Promise<PropertyFailure | undefined> {
  const honest = new Map<string, number>();
  for (let i = 0; i < devices; i++) if (!unjudged.lying.has(i)) honest.set(deviceIdOf(i), i);
  for (const n of nodes) {
    const metrics = await n.replica?.probe.metrics();
    if (metrics === undefined) continue;
    for (const [key, value] of Object.entries(metrics)) {
      if (value === 0 || !key.startsWith(METRIC)) continue;
      const s = parseMetricKey(key);
      const peer = s.labels.peer === undefined ? undefined : honest.get(s.labels.peer);
      if (s.name !== METRIC || peer === undefined) continue;
      if (unjudged.damaged.has(peer) && s.labels.rpc !== "reconcile") continue;
      return {
        property: "honest-answers-accepted",
        devices: [n.index, peer],
        detail: `d${n.index} refused ${value} ${s.labels.rpc ?? "?"} answer(s) of d${peer} (${METRIC}, reason ${s.labels.reason ?? "?"})`,
      };
    }
  }
  return undefined;
}
