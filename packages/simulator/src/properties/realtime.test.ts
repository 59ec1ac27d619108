// The wire checks of realtime pushes: a well-formed push in commit order
// passes; a batch not starting after its prev_seq, another origin's
// stream, a change pushed twice, a stream pushed backwards fail; a fault's
// forged push and a restarted device's reused seqs (new content) do not.
import { describe, expect, test } from "vitest";
import { deviceIdOf } from "../ids.js";
import { PushTracker } from "./realtime.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const D0 = hex(deviceIdOf(0));
const D2 = hex(deviceIdOf(2));

type Batch = { origin?: Uint8Array; prevSeq?: bigint; seqs: number[]; sig?: number };

function request(batches: readonly Batch[]) {
  return {
    deviceId: D0,
    batches: batches.map((b) => ({
      stream: { origin: b.origin ?? D0, resource: 6 },
      prevSeq: b.prevSeq,
      changes: b.seqs.map((s) => ({
        rowId: new Uint8Array(16).fill(s),
        seq: BigInt(s),
        signature: new Uint8Array(64).fill(b.sig ?? 1),
      })),
    })),
  };
}

function tracker(gen: { value: number } = { value: 1 }) {
  const t = new PushTracker(100, () => gen.value);
  let call = 0;
  const send = (batches: readonly Batch[], at = call * 10) => {
    call++;
    const req = request(batches);
    t.observe(
      { from: 0, to: 1, rpc: "PushChanges", part: "req", call, bytes: 100, message: () => req },
      at,
    );
  };
  return { t, send };
}

describe("push-well-formed, push-once, push-order", () => {
  test("consecutive pushes in commit order pass", () => {
    const { t, send } = tracker();
    send([{ seqs: [1, 2] }]);
    send([
      { prevSeq: 2n, seqs: [3] },
      { prevSeq: 3n, seqs: [4, 5] },
    ]);
    expect(t.check()).toBeUndefined();
    expect(t.sent.get("0>1")?.map((p) => p.changes)).toEqual([2, 3]);
  });

  test("a batch that does not start right after its prev_seq is malformed", () => {
    const { t, send } = tracker();
    send([{ seqs: [3, 4] }]);
    expect(t.check()?.property).toBe("push-well-formed");
    expect(t.check()?.detail).toContain("[PC-6]");
  });

  test("a batch of another origin's stream is malformed", () => {
    const { t, send } = tracker();
    send([{ origin: D2, seqs: [1] }]);
    expect(t.check()?.detail).toContain("[PC-1]");
  });

  test("a change pushed twice to the same peer fails push-once", () => {
    const { t, send } = tracker();
    send([{ seqs: [1, 2] }]);
    send([{ prevSeq: 1n, seqs: [2] }]);
    expect(t.check()?.property).toBe("push-once");
  });

  test("a stream pushed backwards fails push-order; a restart may start over with new changes", () => {
    const gen = { value: 1 };
    const ok = tracker(gen);
    ok.send([{ seqs: [1, 2] }]);
    gen.value = 2;
    ok.send([{ seqs: [1], sig: 7 }]);
    expect(ok.t.check()).toBeUndefined();
    const bad = tracker();
    bad.send([{ prevSeq: 2n, seqs: [3] }]);
    bad.send([{ seqs: [1, 2] }]);
    expect(bad.t.check()?.property).toBe("push-order");
  });

  test("a push a fault forges is not the device's own traffic", () => {
    const { t, send } = tracker();
    t.ignore(0, 1, "05".repeat(16), 5n);
    send([{ origin: D2, prevSeq: 4n, seqs: [5] }]);
    expect(t.check()).toBeUndefined();
  });
});
