// invalid-hellos-counted and invalid-exchanges-counted on hand-made
// deliveries and metrics: a refused answer the receiver counted passes, one
// it did not count fails, and a well-formed answer or a count from an
// earlier incarnation is not judged.
import { create } from "@bufbuild/protobuf";
import {
  ExchangeWatermarksResponseSchema,
  HelloResponseSchema,
  MAX_DEVICE_NAME_BYTES,
  Resource,
  StreamWatermarkSchema,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { deviceIdOf, LIBRARY_ID } from "../ids.js";
import type { SimNode } from "../node.js";
import { InvalidAnswerTracker } from "./invalid-answers.js";

const library = Buffer.from(LIBRARY_ID, "hex");
const hello = (name: string) =>
  create(HelloResponseSchema, {
    libraryId: library,
    deviceId: Buffer.from(deviceIdOf(1), "hex"),
    protocolVersion: 1,
    deviceName: name,
  });
const answer = (name: string) => ({
  from: 1,
  to: 0,
  rpc: "Hello",
  part: "res",
  call: 1,
  message: () => hello(name),
});
const receiver = (counted: number, generation = 1, rpc = "hello") =>
  ({
    index: 0,
    generation,
    replica: {
      probe: {
        metrics: () => ({
          [`tidemark_invalid_responses_total{peer="${deviceIdOf(1)}",rpc="${rpc}",reason="INVALID_ARGUMENT"}`]:
            counted,
        }),
      },
    },
  }) as unknown as SimNode;

function tracker(names: readonly string[]) {
  const t = new InvalidAnswerTracker(
    () => library,
    () => 1,
  );
  for (const n of names) t.delivered(answer(n));
  return t;
}
const tooLong = "x".repeat(MAX_DEVICE_NAME_BYTES + 1);

describe("invalid-hellos-counted", () => {
  test("refused Hello answers the receiver counted pass", async () => {
    expect(await tracker([tooLong, tooLong]).check([receiver(2)])).toBeUndefined();
  });

  test("a refused Hello answer the receiver did not count fails", async () => {
    expect((await tracker([tooLong, tooLong]).check([receiver(1)]))?.property).toBe(
      "invalid-hellos-counted",
    );
  });

  test("well-formed answers, and answers to an earlier incarnation, are not judged", async () => {
    expect(await tracker(["d1"]).check([receiver(0)])).toBeUndefined();
    expect(await tracker([tooLong]).check([receiver(0, 2)])).toBeUndefined();
  });
});

describe("invalid-exchanges-counted", () => {
  const mark = create(StreamWatermarkSchema, {
    stream: { origin: Buffer.from(deviceIdOf(1), "hex"), resource: Resource.TAG },
    cursor: 3n,
    liveCount: 3n,
    fingerprint: new Uint8Array(16),
  });
  /** An exchange answer listing its stream `times` times (twice is malformed). */
  const exchange = (times: number) => ({
    ...answer(""),
    rpc: "ExchangeWatermarks",
    message: () =>
      create(ExchangeWatermarksResponseSchema, {
        deviceId: Buffer.from(deviceIdOf(1), "hex"),
        watermarks: Array.from({ length: times }, () => mark),
      }),
  });
  function exchanges(times: readonly number[]) {
    const t = new InvalidAnswerTracker(
      () => library,
      () => 1,
    );
    for (const n of times) t.delivered(exchange(n));
    return t;
  }

  test("an exchange answer listing a stream twice counted under rpc exchange passes", async () => {
    expect(await exchanges([2, 1]).check([receiver(1, 1, "exchange")])).toBeUndefined();
  });

  test("one counted under another rpc, or not at all, fails", async () => {
    const f = await exchanges([2]).check([receiver(1, 1, "hello")]);
    expect(f?.property).toBe("invalid-exchanges-counted");
    expect(f?.detail).toContain('{rpc="exchange"} for that peer says 0');
  });
});
