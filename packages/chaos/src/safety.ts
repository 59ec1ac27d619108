// The cursor invariant during the run, not only after healing (a cursor
// that leapfrogs a gap and is repaired later must still fail). Sampled
// over the wire, so a stream is judged only when its reads are
// consistent: the same cursor and fingerprint before and after reading its
// entries, no pull in progress, and every seq up to the cursor known to
// the oracle (a commit whose answer is still on its way is not judged yet).
import { streamKeyString } from "@tidemark/engine";
import {
  checkStreamInvariant,
  type Oracle,
  type PropertyFailure,
  type ReplicaProbe,
  type Watermark,
} from "@tidemark/simulator";

export type Sampled = {
  readonly index: number;
  readonly deviceId: string;
  readonly probe: ReplicaProbe;
};

function oracleKnowsUpTo(oracle: Oracle, key: string, cursor: bigint): boolean {
  const seqs = oracle.streams.get(key);
  if (seqs === undefined) return false;
  for (let q = 1n; q <= cursor; q++) if (!seqs.has(q)) return false;
  return true;
}

const same = (a: Watermark | undefined, b: Watermark) =>
  a !== undefined &&
  a.cursor === b.cursor &&
  a.fingerprint === b.fingerprint &&
  !a.pulling &&
  !b.pulling;

/** One sample of one peer; the first violation, if any. */
export async function sampleSafety(
  peer: Sampled,
  all: readonly Sampled[],
  oracle: Oracle,
): Promise<PropertyFailure | undefined> {
  const before = await peer.probe.watermarks();
  const held = new Map<string, Awaited<ReturnType<ReplicaProbe["entries"]>>>();
  for (const w of before) {
    const key = streamKeyString(w.stream);
    if (w.pulling || w.cursor === undefined || !oracleKnowsUpTo(oracle, key, w.cursor)) continue;
    held.set(key, await peer.probe.entries(w.stream));
  }
  const after = new Map((await peer.probe.watermarks()).map((w) => [streamKeyString(w.stream), w]));
  const views = all.map((p) => ({ index: p.index, deviceId: p.deviceId, watermarks: [] }));
  const view = { index: peer.index, deviceId: peer.deviceId, watermarks: before };
  for (const w of before) {
    const key = streamKeyString(w.stream);
    const rows = held.get(key);
    if (rows === undefined || !same(after.get(key), w)) continue;
    const f = checkStreamInvariant(view, w, rows, oracle, views);
    if (f !== undefined) return f;
  }
  return undefined;
}
