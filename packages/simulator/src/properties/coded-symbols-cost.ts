// coded-symbols-cost: what one coded-symbol exchange costs against what
// decoding needed, judged by the spec model (src/spec) over both sides'
// items read through the probe. N is the fewest of the responder's symbols
// (from index 0) from which the initiator's items decode, peeled and
// checked as PROTOCOL.md §7.9.4 says; an exchange whose symbols all came
// from one responder set (one fingerprint) is judged:
// - asked: the symbols an initiator asks for in all (`start` + `count`, or
//   `start` + n for a batch left to the responder) stay within
//   ASKED_FACTOR·N + ASKED_SLACK;
// - kept: it does not fall back to range rounds before it has received
//   2 × (own items + the responder's, `counts[0]`) symbols.
// Both ends run the same engine, so a batch too large, a decoder that
// never succeeds or one that gives up early still converge (range rounds
// repair what symbols did not): only a cost measured against the model sees
// them.
import { fingerprintOf } from "@tidemark/engine";
import { type SpecItem, specSymbols } from "../spec/coded-symbols.js";
import { specDecode } from "../spec/peeling.js";

/**
 * The bound on symbols asked: 3·N + 32. The reference asks 12 first
 * (§7.9.5 step 1), then up to 2·d̂ + 8 sized by the probes (step 3, d̂
 * within ~±25 % at large d, coarser at small d) or 1.4·d̂ + 16 and
 * 1.5·d̂ + 32 in all, each at least 10 % / 25 % more than received (step
 * 4), always from fewer than N received. Simulating the reference
 * initiator against its responder over 1,500 random pairs of sets (20–620
 * items, d = 1–80) needed at most 3·N + 12 (2·N + 29 with factor 2); the
 * margin keeps the estimators' tails in. A wrong batch size, zero test or
 * purity test costs many times N.
 */
export const ASKED_FACTOR = 3;
export const ASKED_SLACK = 32;

/** Why asking for `asked` symbols in all is over the bound, if it is. */
export function overAsked(
  asked: number,
  theirs: readonly SpecItem[],
  own: readonly SpecItem[],
): string | undefined {
  // The bound holds iff N > m: the first m symbols must not decode.
  const m = Math.ceil((asked - ASKED_SLACK) / ASKED_FACTOR) - 1;
  const found = specDecode(specSymbols(theirs, 0, m), own, fingerprintOf(theirs));
  if (found === undefined) return undefined;
  const d = found.theirs.length + found.ours.length;
  return `asked for ${asked} symbols in all though the first ${m} decode the difference of ${d} items (over ${ASKED_FACTOR}·N + ${ASKED_SLACK})`;
}

/**
 * Why falling back after `received` symbols is early, if it is: before
 * 2 × (own items + the responder's) symbols (the reference bounds them at
 * that + 1024, §7.9.4), a spec-conforming decoder of one responder's
 * honest symbols has nothing that can fail RC-26's check (a false decode
 * takes a 64-bit checksum collision).
 */
export function gaveUpEarly(received: number, own: number, theirs: number): string | undefined {
  const bound = 2 * (own + theirs);
  if (received >= bound) return undefined;
  return `fell back to range rounds after ${received} symbols of one responder set, under 2 × (${own} own + ${theirs} theirs) = ${bound} (§7.9.4)`;
}
