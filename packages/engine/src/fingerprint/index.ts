export { addInto, FINGERPRINT_BYTES, fingerprintOf, itemHash, subInto } from "./fingerprint.js";
export { sha256 } from "./sha256.js";
