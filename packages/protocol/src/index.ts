// Public surface of @tidemark/protocol: the generated wire types and the
// service descriptor, the limits, the typed error and the validators.

export type { ProtocolErrorOptions } from "./errors.js";
export {
  DEFAULT_CODE,
  isProtocolError,
  ProtocolError,
  REFUSAL_CODES,
  refusedRetryFloorMs,
} from "./errors.js";
export * from "./gen/tidemark/sync/v1/errors_pb.js";
export * from "./gen/tidemark/sync/v1/reconcile_pb.js";
export * from "./gen/tidemark/sync/v1/records_pb.js";
export * from "./gen/tidemark/sync/v1/sync_pb.js";
export {
  authenticatedDevice,
  deviceIdFromPublicKey,
  deviceIdFromSpki,
  deviceIdShortForm,
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  ED25519_SPKI_PREFIX,
  ed25519PrivateKeyFromSeed,
  ed25519Spki,
  parseDeviceIdShortForm,
} from "./identity.js";
export * from "./limits.js";
export type { RecordBodyCase } from "./resources.js";
export {
  BODY_CASE,
  bodyCaseOf,
  isKnownResource,
  isSharedResource,
  RESOURCES_IN_FK_ORDER,
} from "./resources.js";
export { tagAssignmentIdOf, tagIdOf } from "./shared-ids.js";
export {
  CHANGE_SIGNATURE_TAG,
  canonicalUnsignedChange,
  changeSigningBytes,
  HEAD_SIGNATURE_TAG,
  headSigningBytes,
} from "./signature.js";
export * from "./validate/index.js";
