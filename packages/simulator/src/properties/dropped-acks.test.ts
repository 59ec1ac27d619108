import { create } from "@bufbuild/protobuf";
import { AckStatus, PushChangesResponseSchema, Resource } from "@tidemark/protocol";
import { expect, test } from "vitest";
import type { TapInfo } from "../network/network.js";
import { DroppedAcks } from "./dropped-acks.js";

const origin = new Uint8Array(16).fill(0xab);
const stream = `${"ab".repeat(16)}/${Resource.ENTRY}`;

function answer(status: AckStatus): TapInfo {
  const res = create(PushChangesResponseSchema, {
    acks: [{ stream: { origin, resource: Resource.ENTRY }, status }],
  });
  return { from: 1, to: 0, rpc: "PushChanges", part: "res", call: 1, bytes: 0, message: () => res };
}

test("a DROPPED ack needs a warn or error record naming its stream before it", () => {
  const acks = new DroppedAcks();
  acks.observe(answer(AckStatus.APPLIED), 5);
  expect(acks.check(new Map())).toBeUndefined();
  acks.observe(answer(AckStatus.DROPPED), 10);
  expect(acks.check(new Map())?.property).toBe("dropped-acks-said");
  expect(acks.check(new Map([[`1|${stream}`, 12]]))?.property).toBe("dropped-acks-said");
  expect(acks.check(new Map([[`1|${stream}`, 10]]))).toBeUndefined();
});
