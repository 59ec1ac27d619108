// Malformed requests get a Connect error with the right code and change
// nothing: bad protobuf bytes, a wrong library id, an oversized page, an
// oversized message, a push for a stream the caller does not own.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { EntrySchema, Resource } from "@tidemark/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { fromHex, uuidv7 } from "../../src/ids.js";
import { createSyncClient } from "../../src/transport.js";
import { rawPost } from "../support/raw-h2.js";
import { Cluster } from "./cluster.js";

async function codeOf(p: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
}, 30_000);

describe("malformed requests", () => {
  test("are refused with the right Connect code and leave the replica unchanged", async () => {
    // h2c: the raw requests below are what a paired device could send anyway.
    cluster = new Cluster(true);
    const a = await cluster.add("A");
    const tree = cluster.tree("a", 100);
    await cluster.startMesh();
    await a.admin.index({ path: tree });
    const before = (await a.admin.status({ probe: false })).streams;
    const library = fromHex(cluster.libraryId ?? "");
    const stranger = uuidv7();
    const client = createSyncClient(a.url);

    // Bad protobuf bytes: a truncated varint.
    const bad = await rawPost(
      a.url,
      "/tidemark.sync.v1.SyncService/ExchangeWatermarks",
      "application/proto",
      Buffer.from([0x0a, 0xff, 0xff, 0xff]),
    );
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString("utf8"))).toMatchObject({ code: "invalid_argument" });

    // A library id that is not this library.
    expect(
      await codeOf(
        client.exchangeWatermarks({ libraryId: uuidv7(), deviceId: stranger, watermarks: [] }),
      ),
    ).toBe(Code.PermissionDenied);

    // A page larger than the protocol allows (MAX_CHANGES_PER_PAGE = 5000).
    const pageTooLarge = (async () => {
      for await (const _ of client.backfill({
        libraryId: library,
        deviceId: stranger,
        streams: [{ stream: { origin: fromHex(a.deviceId), resource: Resource.ENTRY } }],
        maxChangesPerPage: 5001,
      })) {
        // draining
      }
    })();
    expect(await codeOf(pageTooLarge)).toBe(Code.ResourceExhausted);

    // A message over the 4 MiB limit.
    const huge = create(EntrySchema, { name: "x".repeat(5 * 1024 * 1024) });
    expect(
      await codeOf(
        client.pushChanges({
          libraryId: library,
          deviceId: stranger,
          batches: [
            {
              stream: { origin: stranger, resource: Resource.ENTRY },
              changes: [{ rowId: uuidv7(), seq: 1n, body: { case: "entry", value: huge } }],
            },
          ],
        }),
      ),
    ).toBe(Code.ResourceExhausted);

    // A push claiming A's own stream from another device: not the origin.
    expect(
      await codeOf(
        client.pushChanges({
          libraryId: library,
          deviceId: stranger,
          batches: [
            {
              stream: { origin: fromHex(a.deviceId), resource: Resource.ENTRY },
              prevSeq: 999_999n,
              changes: [
                {
                  rowId: uuidv7(),
                  seq: 1_000_000n,
                  body: { case: "entry", value: create(EntrySchema, { name: "evil" }) },
                },
              ],
            },
          ],
        }),
      ),
    ).toBe(Code.InvalidArgument);

    const after = (await a.admin.status({ probe: false })).streams;
    expect(after).toEqual(before);
  }, 90_000);
});
