// Public surface of @tidemark/protocol: the generated wire types and the
// service descriptor. Limits, errors and validators are added beside them.
export * from "./gen/tidemark/sync/v1/errors_pb.js";
export * from "./gen/tidemark/sync/v1/reconcile_pb.js";
export * from "./gen/tidemark/sync/v1/records_pb.js";
export * from "./gen/tidemark/sync/v1/sync_pb.js";
