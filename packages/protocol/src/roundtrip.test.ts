import {
  type DescMessage,
  equals,
  fromBinary,
  fromJson,
  type Message,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { type fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import {
  file_tidemark_sync_v1_errors,
  file_tidemark_sync_v1_reconcile,
  file_tidemark_sync_v1_records,
  file_tidemark_sync_v1_sync,
} from "./index.js";
import { MESSAGE_ARBITRARIES } from "./testing/index.js";

const FILES = [
  file_tidemark_sync_v1_errors,
  file_tidemark_sync_v1_reconcile,
  file_tidemark_sync_v1_records,
  file_tidemark_sync_v1_sync,
];
const ALL_MESSAGES = FILES.flatMap((f) => f.messages);

describe("round-trips", () => {
  it("has an arbitrary for every message type of the proto", () => {
    const missing = ALL_MESSAGES.map((m) => m.typeName).filter((n) => !MESSAGE_ARBITRARIES.has(n));
    expect(missing).toEqual([]);
  });

  for (const [name, { schema, arb }] of MESSAGE_ARBITRARIES) {
    const desc = schema as DescMessage;
    test.prop([arb as fc.Arbitrary<Message>], { numRuns: 60 })(
      `${name} survives binary and JSON`,
      (msg) => {
        const viaBinary = fromBinary(desc, toBinary(desc, msg));
        expect(equals(desc, viaBinary, msg)).toBe(true);
        const json = JSON.parse(JSON.stringify(toJson(desc, msg)));
        expect(equals(desc, fromJson(desc, json), msg)).toBe(true);
      },
    );
  }
});
