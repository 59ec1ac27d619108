// TestControl (proto/tidemark/testing/v1/control.proto, docs/TESTCONTROL.md):
// the service an implementation under test exposes to a harness. A subpath
// of its own so production imports of the protocol never load it.
export * from "./gen/tidemark/testing/v1/control_pb.js";
