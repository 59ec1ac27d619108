import { Resource } from "@tidemark/protocol";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { idToHex } from "./ids.js";
import { openStore } from "./store.js";
import {
  deviceWrite,
  entryWrite,
  locationWrite,
  testId,
  tombstoneWrite,
  volumeWrite,
} from "./testing.js";

const A = testId(1, 0xaa);

it("reconcileItems returns the same frozen array until the next write, then fresh items", () => {
  const store = openStore(new Database(":memory:"), {
    deviceId: idToHex(A),
    libraryId: idToHex(testId(999)),
    clock: { now: () => 1_750_000_000_000, monotonic: () => 0 },
  });
  try {
    const [vol, loc, root, file] = [testId(10), testId(11), testId(12), testId(13)];
    store.commit([deviceWrite(A), volumeWrite(vol), locationWrite(loc, vol)]);
    store.commit([entryWrite(root, loc, undefined, "root"), entryWrite(file, loc, root)]);
    const entries = { origin: idToHex(A), resource: Resource.ENTRY };
    const first = store.reconcileItems(entries);
    expect(first).toHaveLength(2);
    expect(Object.isFrozen(first)).toBe(true);
    expect(store.reconcileItems(entries)).toBe(first);
    store.commit([tombstoneWrite(Resource.ENTRY, file)]);
    const after = store.reconcileItems(entries);
    expect(after).not.toBe(first);
    // The tombstone is a retained item at its new, higher seq.
    const seqOf = (items: typeof first) =>
      items.find((x) => idToHex(x.id) === idToHex(file))?.seq ?? 0n;
    expect(seqOf(after)).toBeGreaterThan(seqOf(first));
  } finally {
    store.close();
  }
});
