// refused-not-repeated-early on hand-made traffic: a refused request sent
// again unchanged before ER-3's floor fails, after it passes, and a request
// for other data in between restarts the count.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BackfillRequestSchema,
  ErrorReason,
  ProtocolError,
  REFUSED_RETRY_MIN_MS,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { RefusalFloor } from "./refusal-floor.js";

const backfill = (afterSeq: bigint) =>
  create(BackfillRequestSchema, {
    deviceId: new Uint8Array(16),
    streams: [{ stream: { origin: new Uint8Array(16).fill(1), resource: 2 }, afterSeq }],
  });

/** d0 asks d1 (call `call`) at `at`; d1 refuses it with `err` at `at + 10`. */
function ask(
  t: RefusalFloor,
  call: number,
  at: number,
  afterSeq: bigint,
  err: unknown = new ProtocolError(ErrorReason.NOT_PAIRED, "not paired").toConnectError(),
) {
  const req = backfill(afterSeq);
  t.observe(
    { from: 0, to: 1, rpc: "Backfill", part: "req", call, bytes: 0, message: () => req },
    at,
  );
  t.delivered({ from: 1, to: 0, rpc: "Backfill", part: "err", call, message: () => err }, at + 10);
}

const floor = () =>
  new RefusalFloor(
    () => 1,
    () => false,
  );

describe("refused-not-repeated-early", () => {
  test("a refused request repeated unchanged before the floor fails; after it passes", async () => {
    const early = floor();
    ask(early, 1, 0, 5n);
    ask(early, 2, 10 + REFUSED_RETRY_MIN_MS - 1, 5n);
    expect(early.check()?.detail).toContain(
      `unchanged repeat 1 waits at least ${REFUSED_RETRY_MIN_MS} ms`,
    );

    const patient = floor();
    ask(patient, 1, 0, 5n);
    ask(patient, 2, 10 + REFUSED_RETRY_MIN_MS, 5n);
    // The second repeat's floor doubles.
    ask(patient, 3, 20 + 3 * REFUSED_RETRY_MIN_MS, 5n);
    expect(patient.check()).toBeUndefined();
    expect(patient.judged).toBe(2);
  });

  test("another request for data in between restarts the count; UNKNOWN_PEER is not judged", async () => {
    const t = floor();
    ask(t, 1, 0, 5n);
    ask(t, 2, 20, 7n, new ConnectError("fine", Code.Unavailable));
    ask(t, 3, 40, 5n);
    const unknown = floor();
    ask(unknown, 1, 0, 5n, new ProtocolError(ErrorReason.UNKNOWN_PEER, "who").toConnectError());
    ask(unknown, 2, 20, 5n);
    expect([t.check(), unknown.check(), t.judged, unknown.judged]).toEqual([
      undefined,
      undefined,
      0,
      0,
    ]);
  });
});
