// validateHelloRequest / validateHelloResponse (PROTOCOL.md §2.2, §14).
import type { HelloRequest, HelloResponse } from "../gen/tidemark/sync/v1/sync_pb.js";
import {
  MAX_CAPABILITIES,
  MAX_CAPABILITY_BYTES,
  MAX_DEVICE_NAME_BYTES,
  PROTOCOL_VERSION,
} from "../limits.js";
import type { RequestContext } from "./context.js";
import { checkCount, checkId, checkLibrary, checkProtocolVersion, checkString } from "./fields.js";
import { type ValidationResult, validated } from "./result.js";

/**
 * Validates a Hello call: our library, a 16-byte device id, a protocol
 * version >= MIN_PROTOCOL_VERSION (a higher one is fine: we answer with
 * min(theirs, ours)), bounded capabilities and device name.
 */
export function validateHelloRequest(
  req: HelloRequest,
  ctx: RequestContext,
): ValidationResult<HelloRequest> {
  return validated(req, (r) => {
    checkLibrary(r.libraryId, ctx.libraryId);
    checkId(r.deviceId, "device_id");
    checkProtocolVersion(r.protocolVersion, "protocol_version");
    checkHelloStrings(r);
  });
}

export interface HelloResponseContext extends RequestContext {
  /** The protocol_version we offered; defaults to PROTOCOL_VERSION. */
  readonly offeredVersion?: number;
}

/**
 * Validates a Hello reply: same library, a 16-byte device id, and a
 * version we speak that is not above what we offered.
 */
export function validateHelloResponse(
  res: HelloResponse,
  ctx: HelloResponseContext,
): ValidationResult<HelloResponse> {
  return validated(res, (r) => {
    checkLibrary(r.libraryId, ctx.libraryId);
    checkId(r.deviceId, "device_id");
    checkProtocolVersion(
      r.protocolVersion,
      "protocol_version",
      ctx.offeredVersion ?? PROTOCOL_VERSION,
    );
    checkHelloStrings(r);
  });
}

function checkHelloStrings(r: HelloRequest | HelloResponse): void {
  checkCount(r.capabilities.length, MAX_CAPABILITIES, "capabilities");
  r.capabilities.forEach((c, i) => {
    checkString(c, MAX_CAPABILITY_BYTES, `capabilities[${i}]`);
  });
  checkString(r.deviceName, MAX_DEVICE_NAME_BYTES, "device_name");
}
