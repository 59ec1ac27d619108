// The properties every healed run must satisfy, in the order they are
// reported (the most specific diagnosis first).
import { buffersBounded } from "./buffers.js";
import { closureConsistent } from "./closure.js";
import { cursorsContiguous } from "./contiguous.js";
import { identicalState } from "./identical-state.js";
import { hlcCausal, lastWriterWins } from "./lww.js";
import { metricsWellFormed } from "./metrics.js";
import { noResurrectedDeletes } from "./no-resurrection.js";
import { nothingForgedStored } from "./nothing-forged.js";
import type { Property, PropertyFailure, World } from "./property.js";
import { cursorsAtHead, streamsAgree } from "./streams.js";

export const PROPERTIES: readonly Property[] = [
  nothingForgedStored,
  noResurrectedDeletes,
  cursorsContiguous,
  cursorsAtHead,
  streamsAgree,
  identicalState,
  lastWriterWins,
  hlcCausal,
  closureConsistent,
  buffersBounded,
  metricsWellFormed,
];

/** Runs every property; returns the first failure (or undefined when all hold). */
export function checkProperties(world: World): PropertyFailure | undefined {
  for (const p of PROPERTIES) {
    const f = p.check(world);
    if (f !== undefined) return f;
  }
  return undefined;
}

/** Runs every property; returns every failure (a report lists them all). */
export function allFailures(world: World): PropertyFailure[] {
  const out: PropertyFailure[] = [];
  for (const p of PROPERTIES) {
    const f = p.check(world);
    if (f !== undefined) out.push(f);
  }
  return out;
}

export { checkStreamInvariant } from "./contiguous.js";
export type { Property, PropertyFailure, World } from "./property.js";
export { describeFailure } from "./property.js";
export { type NodeView, snapshotNode, type WatermarkView } from "./view.js";
