// The oracle's record of what each origin wrote: an own write whose HLC is
// not past the last one that origin wrote is recorded as a regression
// (hlc-monotone over writes, S6), except across a restore from a backup.
import { describe, expect, test } from "vitest";
import { Oracle } from "./oracle.js";
import type { CommittedBatch, RowVersion } from "./probe/types.js";

const ORIGIN = "ab".repeat(16);
const tag = (seq: bigint, hlc: bigint): RowVersion => ({
  resource: 5,
  id: seq.toString(16).padStart(32, "0"),
  origin: ORIGIN,
  seq,
  hlc,
  deleted: false,
  fields: {},
});
const batch = (...changes: RowVersion[]): CommittedBatch[] => [
  { stream: { origin: ORIGIN, resource: 5 }, prevSeq: undefined, changes },
];

describe("oracle: HLCs an origin writes", () => {
  test("strictly increasing writes pass; a repeated or lower HLC is a regression", () => {
    const o = new Oracle();
    o.noteOwnWrites(batch(tag(1n, 10n), tag(2n, 11n)));
    o.noteOwnWrites(batch(tag(3n, 12n)));
    expect(o.hlcRegressions).toEqual([]);
    o.noteOwnWrites(batch(tag(4n, 12n)));
    expect(o.hlcRegressions).toHaveLength(1);
    expect(o.hlcRegressions[0]?.before).toBe(12n);
    expect(o.hlcRegressions[0]?.after.seq).toBe(4n);
  });

  test("a restore forgets the origin's last HLC", () => {
    const o = new Oracle();
    o.noteOwnWrites(batch(tag(1n, 50n)));
    o.forgetWrittenHlc(ORIGIN);
    o.noteOwnWrites(batch(tag(2n, 20n)));
    expect(o.hlcRegressions).toEqual([]);
  });
});
