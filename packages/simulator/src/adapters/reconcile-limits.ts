// A reference replica built with other range-round parameters than the
// defaults (PROTOCOL.md §7.5: "Peers MAY use other values; the wire rules
// above are what interoperate"): its initiator splits, lists and paces its
// requests, and its responder splits, lists and cuts its answers with a
// tail, by the branching, list threshold, frame and range limits its
// config names (`reconcileBranching`, `reconcileListThreshold`,
// `reconcileFrameSizeLimit`, `reconcileMaxRanges`).
// The engine takes these as ReconcileOptions of its library API, not as
// replica config, so the adapter injects them (test code, not a switch in
// the engine): the initiator through ReplicaParts, the responder by
// answering range rounds itself over the replica's own reconcile items.
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  idToHex,
  ReconcileInitiator,
  type ReconcileOptions,
  ReconcileResponder,
  ReconcileSet,
  type ReplicaParts,
  type TidemarkReplica,
} from "@tidemark/engine";
import {
  type ReconcileResponse,
  ReconcileResponseSchema,
  type Resource,
  type SyncService,
} from "@tidemark/protocol";
import type { OpenOptions } from "../probe/probe.js";

type Service = ServiceImpl<typeof SyncService>;
export type RangeLimits = Pick<
  ReconcileOptions,
  "branching" | "listThreshold" | "frameSizeLimit" | "maxRanges"
>;

/** The config keys naming each option (the scenario's config, per device). */
const KEYS = {
  reconcileBranching: "branching",
  reconcileListThreshold: "listThreshold",
  reconcileFrameSizeLimit: "frameSizeLimit",
  reconcileMaxRanges: "maxRanges",
} as const;

/** The options `config` names, if it names any. */
export function rangeLimitsOf(config: OpenOptions["config"]): RangeLimits | undefined {
  const out: Record<string, number> = {};
  for (const [key, option] of Object.entries(KEYS)) {
    const v = config[key];
    if (typeof v === "number") out[option] = v;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** `parts` whose initiators (a variant's, or the reference) run at `limits`. */
export function limitedParts(parts: ReplicaParts | undefined, limits: RangeLimits): ReplicaParts {
  const inner = parts?.reconcileInitiator ?? ((set, o) => new ReconcileInitiator(set, o));
  return { ...parts, reconcileInitiator: (set, o) => inner(set, { ...o, ...limits }) };
}

/**
 * The replica's handlers with range-round answers re-made at `limits`: the
 * reference handler validates the call and answers want_ids and the
 * cursor; its ranges are then answered again over the same items.
 */
export function limitedService(replica: TidemarkReplica, limits: RangeLimits): Service {
  const service = replica.service;
  return {
    ...service,
    reconcile: async (req, ctx) => {
      const res = (await service.reconcile(req, ctx)) as ReconcileResponse;
      const coded = req.ranges.some((r) => r.payload.case === "symbolsRequest");
      if (req.stream === undefined || res.ranges.length === 0 || coded) return res;
      const stream = {
        origin: idToHex(req.stream.origin),
        resource: req.stream.resource as Resource,
      };
      const set = new ReconcileSet(replica.store.reconcileItems(stream));
      const ranges = new ReconcileResponder(set, limits).reconcile(req.ranges);
      return create(ReconcileResponseSchema, { ...res, ranges });
    },
  };
}
