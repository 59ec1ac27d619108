// Peers that speak only version-1 range reconciliation: an implementation
// of revision 1.1 (or another language's that skipped coded symbols). Its
// Hello announces only `reconcile.v1`, and it never asks anyone for coded
// symbols (PROTOCOL.md §14 VR-6), so every reconcile it takes part in runs
// range rounds: split fingerprints, item lists and their diffs (§7.1-7.8),
// which a world of coded-symbol peers only reaches on a decoding fallback.
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { type HelloResponse, HelloResponseSchema, type SyncService } from "@tidemark/protocol";

type Service = ServiceImpl<typeof SyncService>;

/** The capability tags of revision 1.1 (PROTOCOL.md §14's registry, before §7.9). */
export const REVISION_1_1_CAPABILITIES: ReadonlySet<string> = new Set(["reconcile.v1"]);

/**
 * `service` of device `self` as a caller sees it when `self` or the caller
 * (`isRangeOnly` of the Hello's device id) speaks only revision 1.1: the
 * Hello answer keeps only revision 1.1's tags. A range-only caller thus
 * sees no coded-symbol peer either, as if it did not know the tag.
 */
export function rangeOnlyService(
  service: Service,
  selfRangeOnly: boolean,
  isRangeOnly: (deviceId: Uint8Array) => boolean,
): Service {
  return {
    ...service,
    hello: async (req, ctx) => {
      const res = (await service.hello(req, ctx)) as HelloResponse;
      if (!selfRangeOnly && !isRangeOnly(req.deviceId)) return res;
      return create(HelloResponseSchema, {
        ...res,
        capabilities: res.capabilities.filter((c) => REVISION_1_1_CAPABILITIES.has(c)),
      });
    },
  };
}
