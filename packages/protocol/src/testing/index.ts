// @tidemark/protocol/testing: fast-check arbitraries for every protocol
// message, for this package's tests and for engine and simulator tests.
export * from "./arbitraries.js";
