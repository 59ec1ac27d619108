import { create } from "@bufbuild/protobuf";
import { describe, it } from "vitest";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { Resource } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  type BackfillRequest,
  BackfillRequestSchema,
  type BackfillResponse,
  BackfillResponseSchema,
  BackfillStreamSchema,
  PageStatus,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import { MAX_CHANGES_PER_PAGE, MAX_PAGE_BYTES, MAX_STREAMS_PER_MESSAGE } from "../limits.js";
import { validateBackfillRequest, validateBackfillResponse } from "./backfill.js";
import { DEV, entryChange, expectOk, expectReject, LIB, ROW, stream } from "./test-helpers.js";

const ctx = { libraryId: LIB };
const bs = (afterSeq?: bigint, resource = Resource.ENTRY) =>
  create(BackfillStreamSchema, {
    stream: stream(resource),
    ...(afterSeq === undefined ? {} : { afterSeq }),
  });
const baseReq = create(BackfillRequestSchema, {
  libraryId: LIB,
  deviceId: DEV,
  streams: [bs(10n)],
});
const req = (o: Partial<BackfillRequest> = {}): BackfillRequest => ({ ...baseReq, ...o });

const id = (n: number) => new Uint8Array(16).fill(n);
const basePage = create(BackfillResponseSchema, {
  stream: stream(),
  status: PageStatus.OK,
  changes: [entryChange(12n, id(1)), entryChange(15n, id(2))],
  completeThrough: 20n,
});
const page = (o: Partial<BackfillResponse> = {}): BackfillResponse => ({ ...basePage, ...o });
const rctx = { request: baseReq };

describe("validateBackfillRequest", () => {
  it("accepts a request and page bounds of 0 (responder's default)", () => {
    expectOk(validateBackfillRequest(req(), ctx));
    expectOk(validateBackfillRequest(req({ streams: [bs(), bs(1n, Resource.TAG)] }), ctx));
  });
  it("rejects another library and a bad device id", () => {
    expectReject(
      validateBackfillRequest(req({ libraryId: ROW }), ctx),
      ErrorReason.LIBRARY_MISMATCH,
    );
    expectReject(
      validateBackfillRequest(req({ deviceId: ROW.subarray(2) }), ctx),
      ErrorReason.INVALID_ID,
    );
  });
  it("rejects a missing stream, after_seq 0 and a stream listed twice", () => {
    const noStream = create(BackfillStreamSchema, { afterSeq: 3n });
    expectReject(
      validateBackfillRequest(req({ streams: [noStream] }), ctx),
      ErrorReason.MISSING_FIELD,
      "streams[0].stream",
    );
    expectReject(
      validateBackfillRequest(req({ streams: [bs(0n)] }), ctx),
      ErrorReason.MALFORMED,
      "after_seq",
    );
    expectReject(
      validateBackfillRequest(req({ streams: [bs(1n), bs(2n)] }), ctx),
      ErrorReason.MALFORMED,
      "streams[1]",
    );
  });
  it("rejects page bounds over the limits", () => {
    expectReject(
      validateBackfillRequest(req({ maxChangesPerPage: MAX_CHANGES_PER_PAGE + 1 }), ctx),
      ErrorReason.PAGE_TOO_LARGE,
      "max_changes_per_page",
    );
    expectReject(
      validateBackfillRequest(req({ maxPageBytes: MAX_PAGE_BYTES + 1 }), ctx),
      ErrorReason.PAGE_TOO_LARGE,
      "max_page_bytes",
    );
  });
  it("rejects more than MAX_STREAMS_PER_MESSAGE streams", () => {
    const many = Array.from({ length: MAX_STREAMS_PER_MESSAGE + 1 }, () => bs());
    expectReject(
      validateBackfillRequest(req({ streams: many }), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "streams",
    );
  });
});

describe("validateBackfillResponse", () => {
  it("accepts an OK page with holes in seq (superseded versions)", () => {
    expectOk(validateBackfillResponse(page(), rctx));
    expectOk(validateBackfillResponse(page({ changes: [] }), rctx));
  });
  it("rejects a page without status", () => {
    expectReject(
      validateBackfillResponse(page({ status: PageStatus.UNSPECIFIED }), rctx),
      ErrorReason.MISSING_FIELD,
      "status",
    );
  });
  it("rejects a page for a stream that was not requested", () => {
    expectReject(
      validateBackfillResponse(page({ stream: stream(Resource.TAG) }), rctx),
      ErrorReason.MALFORMED,
      "stream",
    );
  });
  it("rejects an OK page without complete_through, or with complete_through 0", () => {
    const { completeThrough: _, ...noThrough } = page();
    expectReject(
      validateBackfillResponse(noThrough, rctx),
      ErrorReason.MISSING_FIELD,
      "complete_through",
    );
    expectReject(
      validateBackfillResponse(page({ completeThrough: 0n }), {}),
      ErrorReason.MALFORMED,
      "complete_through",
    );
  });
  it("rejects complete_through below after_seq or below what was already applied", () => {
    expectReject(
      validateBackfillResponse(page({ changes: [], completeThrough: 9n }), rctx),
      ErrorReason.CURSOR_REGRESSION,
    );
    expectReject(
      validateBackfillResponse(page({ changes: [] }), { ...rctx, previousCursor: () => 21n }),
      ErrorReason.CURSOR_REGRESSION,
    );
  });
  it("rejects seqs not strictly ascending, at or below after_seq, or above complete_through", () => {
    const swapped = page({ changes: [entryChange(15n, id(1)), entryChange(12n, id(2))] });
    expectReject(
      validateBackfillResponse(swapped, rctx),
      ErrorReason.SEQ_OUT_OF_ORDER,
      "changes[1].seq",
    );
    expectReject(
      validateBackfillResponse(page({ changes: [entryChange(10n)] }), rctx),
      ErrorReason.SEQ_OUT_OF_ORDER,
      "changes[0].seq",
    );
    expectReject(
      validateBackfillResponse(page({ changes: [entryChange(21n)] }), rctx),
      ErrorReason.SEQ_OUT_OF_ORDER,
    );
    expectReject(
      validateBackfillResponse(page(), { ...rctx, previousCursor: () => 12n }),
      ErrorReason.SEQ_OUT_OF_ORDER,
      "changes[0].seq",
    );
  });
  it("rejects an invalid change inside the page", () => {
    expectReject(
      validateBackfillResponse(page({ changes: [entryChange(12n, id(1).subarray(1))] }), rctx),
      ErrorReason.INVALID_ID,
      "changes[0].row_id",
    );
  });
  it("rejects more changes than the request allowed", () => {
    const small = { request: req({ maxChangesPerPage: 1 }) };
    expectReject(validateBackfillResponse(page(), small), ErrorReason.PAGE_TOO_LARGE, "changes");
  });
  it("rejects a page over the byte budget unless it carries a single change", () => {
    const budget = { request: req({ maxPageBytes: 40 }) };
    expectReject(validateBackfillResponse(page(), budget), ErrorReason.PAGE_TOO_LARGE);
    expectOk(validateBackfillResponse(page({ changes: [entryChange(12n)] }), budget));
  });
  it("rejects changes on BELOW_HORIZON and NOT_HELD pages, and BELOW_HORIZON without a horizon", () => {
    expectReject(
      validateBackfillResponse(page({ status: PageStatus.NOT_HELD }), rctx),
      ErrorReason.MALFORMED,
      "changes",
    );
    expectReject(
      validateBackfillResponse(
        page({ status: PageStatus.BELOW_HORIZON, tombstoneHorizon: 30n }),
        rctx,
      ),
      ErrorReason.MALFORMED,
      "changes",
    );
    const below = create(BackfillResponseSchema, {
      stream: stream(),
      status: PageStatus.BELOW_HORIZON,
      streamDone: true,
    });
    expectReject(
      validateBackfillResponse(below, rctx),
      ErrorReason.MISSING_FIELD,
      "tombstone_horizon",
    );
    expectOk(validateBackfillResponse({ ...below, tombstoneHorizon: 30n }, rctx));
  });
  it("rejects BELOW_HORIZON when after_seq is absent or not below the horizon", () => {
    const below = create(BackfillResponseSchema, {
      stream: stream(),
      status: PageStatus.BELOW_HORIZON,
      tombstoneHorizon: 10n,
    });
    expectReject(validateBackfillResponse(below, rctx), ErrorReason.MALFORMED, "status");
    const fromStart = { request: req({ streams: [bs()] }) };
    expectReject(validateBackfillResponse(below, fromStart), ErrorReason.MALFORMED, "status");
  });
});
