// held-changes-accounted judges the held-change counters against the
// pending-buffer gauge, stream by stream.
import { describe, expect, test } from "vitest";
import { type HeldNode, heldChangesAccounted } from "./held-accounted.js";

const S = `${"aa".repeat(16)}/4`;

const node = (metrics: Record<string, number>): HeldNode => ({
  index: 2,
  replica: { probe: { metrics: () => metrics } },
});

const held = (n: number) => ({ [`tidemark_realtime_held_total{stream="${S}"}`]: n });
const released = (outcome: string, n: number) => ({
  [`tidemark_realtime_released_total{outcome="${outcome}",stream="${S}"}`]: n,
});
const holding = (n: number) => ({ [`tidemark_pending_buffer_changes{stream="${S}"}`]: n });

describe("held-changes-accounted", () => {
  test("held changes released by any counted outcome or still held pass", async () => {
    const m = { ...held(7), ...released("applied", 3), ...released("stale", 2), ...holding(2) };
    // The gauge's total over all streams has no held counter of its own: not judged.
    m['tidemark_pending_buffer_changes{stream="all"}'] = 2;
    expect(await heldChangesAccounted([node(m)])).toBeUndefined();
  });

  test("a held change that left the buffer uncounted fails, naming the stream and the outcomes", async () => {
    const f = await heldChangesAccounted([node({ ...held(4), ...released("applied", 2) })]);
    expect(f?.property).toBe("held-changes-accounted");
    expect(f?.detail).toContain(`d2 held 4 realtime change(s) of stream ${S}`);
    expect(f?.detail).toContain("(applied 2) and 0 are still held: 2 left unsaid");
  });

  test("a device exporting no held counter, or a dead one, is not judged", async () => {
    expect(await heldChangesAccounted([node(released("applied", 2))])).toBeUndefined();
    expect(await heldChangesAccounted([{ index: 0, replica: undefined }])).toBeUndefined();
  });
});
