import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { ChangeSchema, Resource } from "../gen/tidemark/sync/v1/records_pb.js";
import { HLC_MAX_OFFSET_MS, MAX_STRING_BYTES } from "../limits.js";
import { validateChange } from "./change.js";
import {
  DEV,
  entryChange,
  expectOk,
  expectReject,
  HLC_NOW,
  NOW_MS,
  ROW,
  stream,
  tagChange,
} from "./test-helpers.js";

const ctx = { stream: stream(), nowMs: NOW_MS };
const tagCtx = { stream: stream(Resource.TAG), nowMs: NOW_MS };

describe("validateChange", () => {
  it("accepts a valid entry change and a tombstone", () => {
    expectOk(validateChange(entryChange(1n), ctx));
    const tomb = create(ChangeSchema, {
      rowId: ROW,
      seq: 9n,
      body: { case: "tombstone", value: {} },
    });
    expectOk(validateChange(tomb, ctx));
  });

  it("rejects a row id that is not 16 bytes", () => {
    expectReject(
      validateChange(entryChange(1n, new Uint8Array(15)), ctx),
      ErrorReason.INVALID_ID,
      "row_id",
    );
  });

  it("rejects seq 0", () => {
    expectReject(validateChange(entryChange(0n), ctx), ErrorReason.MALFORMED, "seq");
  });

  it("rejects a change with no body", () => {
    const c = create(ChangeSchema, { rowId: ROW, seq: 1n });
    expectReject(validateChange(c, ctx), ErrorReason.MISSING_FIELD, "body");
  });

  it("rejects a body of another resource", () => {
    expectReject(validateChange(tagChange(1n), ctx), ErrorReason.BODY_MISMATCH, "body");
  });

  it("rejects a stream without a resource and one from the future", () => {
    expectReject(
      validateChange(entryChange(1n), { stream: stream(Resource.UNSPECIFIED) }),
      ErrorReason.MISSING_FIELD,
      "resource",
    );
    expectReject(
      validateChange(entryChange(1n), { stream: stream(99 as Resource) }),
      ErrorReason.MALFORMED,
    );
  });

  it("rejects a device row whose id is not its origin", () => {
    const c = create(ChangeSchema, { rowId: ROW, seq: 1n, body: { case: "device", value: {} } });
    expectReject(
      validateChange(c, { stream: stream(Resource.DEVICE) }),
      ErrorReason.BODY_MISMATCH,
      "row_id",
    );
    expectOk(validateChange({ ...c, rowId: DEV }, { stream: stream(Resource.DEVICE) }));
  });

  it("requires an HLC on shared resources and refuses one on device-owned ones", () => {
    const noHlc = create(ChangeSchema, { rowId: ROW, seq: 1n, body: { case: "tag", value: {} } });
    expectReject(validateChange(noHlc, tagCtx), ErrorReason.MISSING_FIELD, "hlc");
    expectReject(
      validateChange({ ...entryChange(1n), hlc: HLC_NOW }, ctx),
      ErrorReason.BODY_MISMATCH,
      "hlc",
    );
  });

  it("rejects HLC 0", () => {
    expectReject(validateChange(tagChange(1n, 0n), tagCtx), ErrorReason.MALFORMED, "hlc");
  });

  it("rejects an HLC beyond now + max offset, accepts one at the edge", () => {
    const edge = BigInt(NOW_MS + HLC_MAX_OFFSET_MS) << 16n;
    expectOk(validateChange(tagChange(1n, edge | 0xffffn), tagCtx));
    const r = validateChange(tagChange(1n, edge + (1n << 16n)), tagCtx);
    expectReject(r, ErrorReason.HLC_TOO_FAR_AHEAD, "hlc");
    if (!r.ok) expect(r.error.actual).toBe(BigInt(NOW_MS + HLC_MAX_OFFSET_MS + 1));
  });

  it("honours a custom max offset and skips the rule without a clock", () => {
    const ahead = BigInt(NOW_MS + 1000) << 16n;
    expectReject(
      validateChange(tagChange(1n, ahead), { ...tagCtx, maxOffsetMs: 10 }),
      ErrorReason.HLC_TOO_FAR_AHEAD,
    );
    expectOk(validateChange(tagChange(1n, 2n ** 64n - 1n), { stream: stream(Resource.TAG) }));
  });

  it("rejects record id references that are not 16 bytes", () => {
    const c = create(ChangeSchema, {
      rowId: ROW,
      seq: 1n,
      body: { case: "entry", value: { locationId: ROW, parentId: new Uint8Array(3), kind: 1 } },
    });
    expectReject(validateChange(c, ctx), ErrorReason.INVALID_ID, "entry.parent_id");
  });

  it("rejects an entry without a kind", () => {
    const c = create(ChangeSchema, {
      rowId: ROW,
      seq: 1n,
      body: { case: "entry", value: { locationId: ROW } },
    });
    expectReject(validateChange(c, ctx), ErrorReason.MISSING_FIELD, "entry.kind");
  });

  it("rejects strings over their byte limit, counted in UTF-8", () => {
    const name = "é".repeat(MAX_STRING_BYTES.name / 2 + 1);
    const c = create(ChangeSchema, {
      rowId: ROW,
      seq: 1n,
      body: { case: "entry", value: { locationId: ROW, name, kind: 1 } },
    });
    expectReject(validateChange(c, ctx), ErrorReason.MESSAGE_TOO_LARGE, "entry.name");
    const ok = create(ChangeSchema, {
      rowId: ROW,
      seq: 1n,
      body: { case: "entry", value: { locationId: ROW, name: "é".repeat(512), kind: 1 } },
    });
    expectOk(validateChange(ok, ctx));
  });

  it("names the tag_assignment path in snake case", () => {
    const c = create(ChangeSchema, {
      rowId: ROW,
      seq: 1n,
      hlc: HLC_NOW,
      body: { case: "tagAssignment", value: { tagId: ROW, entryId: new Uint8Array(0) } },
    });
    expectReject(
      validateChange(c, { stream: stream(Resource.TAG_ASSIGNMENT) }),
      ErrorReason.INVALID_ID,
      "tag_assignment.entry_id",
    );
  });
});
