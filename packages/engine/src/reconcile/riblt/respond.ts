// The responder's answer to a symbols_request (PROTOCOL.md §7.9.4):
// stateless like every Reconcile answer, it encodes the asked-for window
// of coded symbols over its own items in the range.
import { create } from "@bufbuild/protobuf";
import {
  type CodedSymbolsRequest,
  CodedSymbolsSchema,
  MAX_CODED_SYMBOL_INDEX,
  type ReconcileRange,
  ReconcileRangeSchema,
} from "@tidemark/protocol";
import { bytesEqual } from "../../store/ids.js";
import { invalid } from "../bounds.js";
import type { ReconcileSet } from "../item-set.js";
import { estimateFromProbes, probesOf } from "./estimator.js";
import { encodeSymbols } from "./item-codes.js";
import { DEFAULT_FIRST_BATCH, firstBatch, symbolsPerMessage } from "./policy.js";
import { symbolsToWire } from "./symbols.js";

export function answerSymbolsRequest(
  set: ReconcileSet,
  i: number,
  j: number,
  upper: Uint8Array,
  q: CodedSymbolsRequest,
  frameLimit: number,
): readonly ReconcileRange[] | "skip" {
  if (q.fingerprint.length !== 16) throw invalid("symbols_request.fingerprint must be 16 bytes");
  const fingerprint = set.fingerprint(i, j);
  if (bytesEqual(q.fingerprint, fingerprint)) return "skip";
  if (q.start >= BigInt(MAX_CODED_SYMBOL_INDEX)) throw invalid("symbols_request.start past 2^32");
  const start = Number(q.start);
  let count = q.count;
  if (count === 0)
    count =
      q.probes.length > 0
        ? firstBatch(estimateFromProbes(q.probes, probesOf(set, i, j)))
        : DEFAULT_FIRST_BATCH;
  count = Math.min(count, symbolsPerMessage(frameLimit), MAX_CODED_SYMBOL_INDEX - start);
  const wire = symbolsToWire(encodeSymbols(set, i, j, start, start + count));
  const symbols = create(CodedSymbolsSchema, { start: q.start, ...wire, fingerprint });
  return [
    create(ReconcileRangeSchema, {
      upperBound: upper,
      payload: { case: "symbols", value: symbols },
    }),
  ];
}
