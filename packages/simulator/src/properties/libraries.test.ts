// libraries-apart on hand-made devices: a stream of the other library held,
// a device of the other library shown as anything but parked, and a second
// library that did not converge each fail; libraries kept apart pass.
import { describe, expect, test } from "vitest";
import type { PeerView, Watermark } from "../probe/types.js";
import { watermarkStub } from "../probe/watermark-stub.js";
import { type Device, librariesApart } from "./libraries.js";

const id = (i: number) => String(i).repeat(32);
const wm = (origin: number, cursor: bigint): Watermark =>
  watermarkStub(id(origin), cursor, { liveCount: cursor, fingerprint: "00" });
const view = (peer: number, state: string): PeerView => ({
  peer: id(peer),
  state,
  connected: true,
  consecutiveFailures: state === "failed" ? 1 : 0,
});
const device = (index: number, streams: Watermark[], peers: PeerView[]): Device => ({
  index,
  deviceId: id(index),
  replica: { probe: { watermarks: () => streams, peers: () => peers } },
});

/** d0 of the library, d2 and d3 of another: d2 and d3 hold each other's streams. */
function world(over: { d0?: Partial<Device>; d3Holds?: bigint; d0Shows?: string } = {}) {
  const d0 = device(0, [wm(0, 5n)], [view(2, over.d0Shows ?? "failed"), view(3, "failed")]);
  const d2 = device(2, [wm(2, 3n), wm(3, 2n)], [view(0, "failed"), view(3, "ready")]);
  const d3 = device(3, [wm(3, 2n), wm(2, over.d3Holds ?? 3n)], [view(0, "failed")]);
  return { members: [{ ...d0, ...over.d0 }], foreign: [d2, d3] };
}
const judge = (w: ReturnType<typeof world>) => librariesApart(w.members, w.foreign, () => true);

describe("libraries-apart", () => {
  test("libraries kept apart, each parked by the other, the second converged, pass", async () => {
    expect(await judge(world())).toBeUndefined();
  });

  test("a stream of the other library held fails", async () => {
    const d0 = device(0, [wm(0, 5n), wm(2, 3n)], [view(2, "failed"), view(3, "failed")]);
    expect((await judge(world({ d0 })))?.detail).toContain("another library");
  });

  test("a device of the other library shown as anything but parked fails", async () => {
    expect((await judge(world({ d0Shows: "backoff" })))?.detail).toContain("expected failed");
  });

  test("a second library that did not converge fails", async () => {
    expect((await judge(world({ d3Holds: 2n })))?.detail).toContain("did not converge");
  });
});
