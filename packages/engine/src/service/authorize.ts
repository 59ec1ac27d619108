// Who may call (PROTOCOL.md §15, AU-1 to AU-3): the device the transport
// authenticated, naming itself in the request, and paired with us. Runs
// before anything else of the request is looked at, so a refused caller
// learns nothing of the library. Refusals are recorded for `status`.
import type { HandlerContext } from "@connectrpc/connect";
import { authenticatedDevice, ErrorReason, ProtocolError } from "@tidemark/protocol";
import type { RefusalReason } from "../replica-api.js";
import type { SyncContext } from "../sync/context.js";
import { toHex } from "../sync/ids.js";

/**
 * The caller of one call, hex, once authorized; throws a ProtocolError
 * (UNAUTHENTICATED, DEVICE_MISMATCH, NOT_PAIRED) otherwise. `isPeer`
 * tells whether a device id is a paired peer of this replica.
 */
export function authorizeCall(
  ctx: SyncContext,
  call: HandlerContext | undefined,
  claimed: Uint8Array,
  isPeer: (deviceHex: string) => boolean,
): string {
  const claimedHex = toHex(claimed);
  if (ctx.callers === "claimed") return claimedHex;
  const who = call?.values.get(authenticatedDevice);
  if (who === undefined) {
    throw refuse(
      ctx,
      "",
      "unauthenticated",
      ErrorReason.UNAUTHENTICATED,
      "no authenticated device",
    );
  }
  const whoHex = toHex(who);
  if (whoHex !== claimedHex) {
    throw refuse(
      ctx,
      whoHex,
      "device-mismatch",
      ErrorReason.DEVICE_MISMATCH,
      "device_id is not the authenticated device",
      "device_id",
    );
  }
  if (!isPeer(whoHex)) {
    throw refuse(ctx, whoHex, "not-paired", ErrorReason.NOT_PAIRED, "device is not paired");
  }
  return whoHex;
}

function refuse(
  ctx: SyncContext,
  device: string,
  reason: RefusalReason,
  wire: ErrorReason,
  message: string,
  field?: string,
): ProtocolError {
  ctx.refusals.note(device, reason, ctx.ports.clock.now());
  ctx.log(
    "warn",
    { event: "call-refused", caller: device === "" ? null : device, reason },
    `refused a call: ${message}`,
  );
  return new ProtocolError(wire, message, field === undefined ? {} : { field });
}
