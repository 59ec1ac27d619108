export { sha256 } from "@tidemark/protocol/sha256";
export { addInto, FINGERPRINT_BYTES, fingerprintOf, itemHash, subInto } from "./fingerprint.js";
