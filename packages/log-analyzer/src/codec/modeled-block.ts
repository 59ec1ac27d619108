// The body of a Modeled block: the original length, then its bytes through
// the context-mixing coder (cm-coder.ts). Only a one-block file of at most
// MAX_MODELED_BYTES takes this form, when it is the smallest.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { ByteReader, ByteWriter } from "./bytes.js";
import { cmDecode, cmEncode } from "./cm-coder.js";
import { MAX_MODELED_BYTES } from "./container.js";

/** `uvar n`, then the coded bytes. */
export function encodeModeled(raw: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  w.uvar(raw.length);
  w.bytes(cmEncode(raw));
  return w.finish();
}

/** The original bytes of a Modeled block's body; a declared length above the limit is corrupt. */
export function decodeModeled(body: Uint8Array): Uint8Array {
  const r = new ByteReader(body);
  const n = r.uvar();
  if (n > MAX_MODELED_BYTES) {
    throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "modeled block length out of range", {
      length: n,
    });
  }
  return cmDecode(r.bytes(r.remaining), n);
}
