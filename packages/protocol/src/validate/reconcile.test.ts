import { create } from "@bufbuild/protobuf";
import { describe, it } from "vitest";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import {
  CodedSymbolsRequestSchema,
  CodedSymbolsSchema,
  ItemListSchema,
  type ReconcileRange,
  ReconcileRangeSchema,
} from "../gen/tidemark/sync/v1/reconcile_pb.js";
import { Resource } from "../gen/tidemark/sync/v1/records_pb.js";
import {
  type ReconcileRequest,
  ReconcileRequestSchema,
  ReconcileResponseSchema,
} from "../gen/tidemark/sync/v1/sync_pb.js";
import {
  MAX_CODED_SYMBOLS_PER_MESSAGE,
  MAX_IDS_PER_ITEM_LIST,
  MAX_RANGES_PER_MESSAGE,
  MAX_WANT_IDS,
  RIBLT_PROBE_BYTES,
} from "../limits.js";
import { validateReconcileRequest, validateReconcileResponse } from "./reconcile.js";
import { DEV, entryChange, expectOk, expectReject, LIB, stream } from "./test-helpers.js";

const ctx = { libraryId: LIB };
const id = (first: number, fill = 0) => {
  const b = new Uint8Array(16).fill(fill);
  b[0] = first;
  return b;
};
const cat = (...ids: Uint8Array[]) => {
  const out = new Uint8Array(ids.length * 16);
  ids.forEach((x, i) => {
    out.set(x, i * 16);
  });
  return out;
};
const fpRange = (upperBound: Uint8Array, fp = new Uint8Array(16)) =>
  create(ReconcileRangeSchema, { upperBound, payload: { case: "fingerprint", value: fp } });
const itemsRange = (
  upperBound: Uint8Array,
  ids: Uint8Array,
  seqs: bigint[],
  neededIds = new Uint8Array(0),
) =>
  create(ReconcileRangeSchema, {
    upperBound,
    payload: { case: "items", value: create(ItemListSchema, { ids, seqs, neededIds }) },
  });
const END = new Uint8Array(0);
const baseReq = create(ReconcileRequestSchema, { libraryId: LIB, deviceId: DEV, stream: stream() });
const req = (ranges: ReconcileRange[], o: Partial<ReconcileRequest> = {}): ReconcileRequest => ({
  ...baseReq,
  ranges,
  ...o,
});

describe("validateReconcileRequest", () => {
  it("accepts a fingerprint split and item lists inside their ranges", () => {
    expectOk(
      validateReconcileRequest(
        req([fpRange(Uint8Array.of(0x80)), itemsRange(END, cat(id(0x80), id(0x90)), [1n, 7n])]),
        ctx,
      ),
    );
    expectOk(validateReconcileRequest(req([], { wantIds: [id(1)] }), ctx));
  });
  it("rejects another library, a bad device id and a missing stream", () => {
    expectReject(
      validateReconcileRequest(req([], { libraryId: DEV }), ctx),
      ErrorReason.LIBRARY_MISMATCH,
    );
    expectReject(
      validateReconcileRequest(req([], { deviceId: new Uint8Array(1) }), ctx),
      ErrorReason.INVALID_ID,
    );
    const { stream: _, ...noStream } = req([]);
    expectReject(validateReconcileRequest(noStream, ctx), ErrorReason.MISSING_FIELD, "stream");
  });
  it("rejects a last range that does not reach the end, and an empty bound before the last", () => {
    expectReject(
      validateReconcileRequest(req([fpRange(Uint8Array.of(1))]), ctx),
      ErrorReason.MALFORMED,
      "ranges[0].upper_bound",
    );
    expectReject(
      validateReconcileRequest(req([fpRange(END), fpRange(END)]), ctx),
      ErrorReason.MALFORMED,
      "ranges[0].upper_bound",
    );
  });
  it("rejects bounds that are not strictly ascending (compared zero-padded) or longer than 16 bytes", () => {
    expectReject(
      validateReconcileRequest(
        req([fpRange(Uint8Array.of(5)), fpRange(Uint8Array.of(5, 0)), fpRange(END)]),
        ctx,
      ),
      ErrorReason.MALFORMED,
      "ranges[1].upper_bound",
    );
    expectReject(
      validateReconcileRequest(req([fpRange(Uint8Array.of(0)), fpRange(END)]), ctx),
      ErrorReason.MALFORMED,
      "ranges[0].upper_bound",
    );
    expectReject(
      validateReconcileRequest(req([fpRange(new Uint8Array(17).fill(1)), fpRange(END)]), ctx),
      ErrorReason.MALFORMED,
      "ranges[0].upper_bound",
    );
  });
  it("rejects a range without payload and a fingerprint that is not 16 bytes", () => {
    expectReject(
      validateReconcileRequest(req([create(ReconcileRangeSchema, {})]), ctx),
      ErrorReason.MISSING_FIELD,
      "ranges[0].payload",
    );
    expectReject(
      validateReconcileRequest(req([fpRange(END, new Uint8Array(8))]), ctx),
      ErrorReason.MALFORMED,
      "ranges[0].fingerprint",
    );
  });
  it("checks symbols_request sizes and windows, and refuses symbols in a request (RC-22, RC-23)", () => {
    const ask = (q: {
      fingerprint?: Uint8Array;
      start?: bigint;
      count?: number;
      probes?: Uint8Array;
    }) =>
      req([
        create(ReconcileRangeSchema, {
          upperBound: END,
          payload: {
            case: "symbolsRequest",
            value: create(CodedSymbolsRequestSchema, { fingerprint: id(1), ...q }),
          },
        }),
      ]);
    expectOk(
      validateReconcileRequest(ask({ count: 0, probes: new Uint8Array(RIBLT_PROBE_BYTES) }), ctx),
    );
    expectOk(validateReconcileRequest(ask({ start: 4_294_967_290n, count: 6 }), ctx));
    for (const [q, field] of [
      [{ fingerprint: new Uint8Array(4) }, "ranges[0].symbols_request.fingerprint"],
      [{ probes: new Uint8Array(5) }, "ranges[0].symbols_request.probes"],
      [{ count: MAX_CODED_SYMBOLS_PER_MESSAGE + 1 }, "ranges[0].symbols_request.count"],
      [{ start: 4_294_967_290n, count: 7 }, "ranges[0].symbols_request.start"],
    ] as const)
      expectReject(validateReconcileRequest(ask(q), ctx), ErrorReason.MALFORMED, field);
    const symbols = create(CodedSymbolsSchema, {
      counts: [1n],
      sums: new Uint8Array(24),
      seqSums: [1n],
      fingerprint: id(2),
    });
    const inRequest = req([
      create(ReconcileRangeSchema, {
        upperBound: END,
        payload: { case: "symbols", value: symbols },
      }),
    ]);
    expectReject(
      validateReconcileRequest(inRequest, ctx),
      ErrorReason.MALFORMED,
      "ranges[0].symbols",
    );
  });

  it("rejects item lists with a partial id, a seq count mismatch, seq 0 or unsorted ids", () => {
    expectReject(
      validateReconcileRequest(req([itemsRange(END, new Uint8Array(20), [1n])]), ctx),
      ErrorReason.MALFORMED,
      "items.ids",
    );
    expectReject(
      validateReconcileRequest(req([itemsRange(END, cat(id(1)), [1n, 2n])]), ctx),
      ErrorReason.MALFORMED,
      "items.seqs",
    );
    expectReject(
      validateReconcileRequest(req([itemsRange(END, cat(id(1)), [0n])]), ctx),
      ErrorReason.MALFORMED,
      "items.seqs[0]",
    );
    expectReject(
      validateReconcileRequest(req([itemsRange(END, cat(id(2), id(1)), [1n, 1n])]), ctx),
      ErrorReason.MALFORMED,
      "items.ids",
    );
    expectReject(
      validateReconcileRequest(req([itemsRange(END, cat(id(1), id(1)), [1n, 1n])]), ctx),
      ErrorReason.MALFORMED,
      "items.ids",
    );
  });
  it("rejects item ids outside their range", () => {
    const below = req([fpRange(Uint8Array.of(0x80)), itemsRange(END, cat(id(0x10)), [1n])]);
    expectReject(
      validateReconcileRequest(below, ctx),
      ErrorReason.MALFORMED,
      "ranges[1].items.ids",
    );
    const above = req([itemsRange(Uint8Array.of(0x80), cat(id(0x80)), [1n]), fpRange(END)]);
    expectReject(
      validateReconcileRequest(above, ctx),
      ErrorReason.MALFORMED,
      "ranges[0].items.ids",
    );
  });
  it("rejects needed_ids that are not whole ids", () => {
    expectReject(
      validateReconcileRequest(
        req([itemsRange(END, new Uint8Array(0), [], new Uint8Array(3))]),
        ctx,
      ),
      ErrorReason.MALFORMED,
      "needed_ids",
    );
  });
  it("rejects more ranges, list items or want_ids than the limits", () => {
    const many = Array.from({ length: MAX_RANGES_PER_MESSAGE }, (_, i) =>
      fpRange(Uint8Array.of(i >> 8, i & 0xff, 1)),
    );
    expectReject(
      validateReconcileRequest(req([...many, fpRange(END)]), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "ranges",
    );
    const n = MAX_IDS_PER_ITEM_LIST + 1;
    const ids = cat(...Array.from({ length: n }, (_, i) => id(i >> 8, i & 0xff)));
    const big = itemsRange(
      END,
      ids,
      Array.from({ length: n }, () => 1n),
    );
    expectReject(
      validateReconcileRequest(req([big]), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "items.ids",
    );
    const wants = Array.from({ length: MAX_WANT_IDS + 1 }, () => id(1));
    expectReject(
      validateReconcileRequest(req([], { wantIds: wants }), ctx),
      ErrorReason.MESSAGE_TOO_LARGE,
      "want_ids",
    );
  });
  it("rejects a want_id that is not 16 bytes", () => {
    expectReject(
      validateReconcileRequest(req([], { wantIds: [new Uint8Array(15)] }), ctx),
      ErrorReason.INVALID_ID,
      "want_ids[0]",
    );
  });
});

describe("validateReconcileResponse", () => {
  const request = req([], { wantIds: [id(1), id(2), id(9)] });
  const res = (init: Parameters<typeof create<typeof ReconcileResponseSchema>>[1]) =>
    create(ReconcileResponseSchema, init);
  it("accepts changes ascending by row id, missing ids and a cursor", () => {
    expectOk(
      validateReconcileResponse(
        res({
          changes: [entryChange(3n, id(1)), entryChange(2n, id(2))],
          missingIds: [id(9)],
          cursor: 4n,
        }),
        { request },
      ),
    );
  });
  it("rejects changes out of row-id order or repeated", () => {
    expectReject(
      validateReconcileResponse(
        res({ changes: [entryChange(3n, id(2)), entryChange(2n, id(1))] }),
        { request },
      ),
      ErrorReason.MALFORMED,
      "changes[1].row_id",
    );
    expectReject(
      validateReconcileResponse(
        res({ changes: [entryChange(3n, id(2)), entryChange(4n, id(2))] }),
        { request },
      ),
      ErrorReason.MALFORMED,
      "changes[1].row_id",
    );
  });
  it("rejects a change of another resource, a bad missing id and cursor 0", () => {
    expectReject(
      validateReconcileResponse(res({ changes: [entryChange(1n)] }), {
        request: req([], { stream: stream(Resource.VOLUME) }),
      }),
      ErrorReason.BODY_MISMATCH,
    );
    expectReject(
      validateReconcileResponse(res({ missingIds: [new Uint8Array(2)] }), { request }),
      ErrorReason.INVALID_ID,
      "missing_ids[0]",
    );
    expectReject(
      validateReconcileResponse(res({ cursor: 0n }), { request }),
      ErrorReason.MALFORMED,
      "cursor",
    );
  });
  it("checks coded symbols' sizes and refuses a symbols_request in a reply (RC-22, RC-23)", () => {
    const reply = (v: { sums?: Uint8Array; seqSums?: bigint[]; fingerprint?: Uint8Array }) =>
      res({
        ranges: [
          create(ReconcileRangeSchema, {
            upperBound: END,
            payload: {
              case: "symbols",
              value: create(CodedSymbolsSchema, {
                counts: [3n, 1n],
                sums: new Uint8Array(48),
                seqSums: [5n, 2n],
                fingerprint: id(2),
                ...v,
              }),
            },
          }),
        ],
      });
    const noWants = { request: req([]) };
    expectOk(validateReconcileResponse(reply({}), noWants));
    expectReject(
      validateReconcileResponse(reply({ sums: new Uint8Array(47) }), { request }),
      ErrorReason.MALFORMED,
      "ranges[0].symbols.sums",
    );
    expectReject(
      validateReconcileResponse(reply({ seqSums: [1n] }), { request }),
      ErrorReason.MALFORMED,
      "ranges[0].symbols.sums",
    );
    expectReject(
      validateReconcileResponse(reply({ fingerprint: id(1).subarray(0, 8) }), { request }),
      ErrorReason.MALFORMED,
      "ranges[0].symbols.fingerprint",
    );
    const asked = create(ReconcileRangeSchema, {
      upperBound: END,
      payload: {
        case: "symbolsRequest",
        value: create(CodedSymbolsRequestSchema, { fingerprint: id(1) }),
      },
    });
    expectReject(
      validateReconcileResponse(res({ ranges: [asked] }), { request }),
      ErrorReason.MALFORMED,
      "ranges[0].symbols_request",
    );
  });

  it("rejects malformed reply ranges", () => {
    expectReject(
      validateReconcileResponse(res({ ranges: [fpRange(Uint8Array.of(1))] }), { request }),
      ErrorReason.MALFORMED,
      "ranges[0]",
    );
  });
  it("rejects more changes plus missing ids than MAX_WANT_IDS", () => {
    const missingIds = Array.from({ length: MAX_WANT_IDS + 1 }, () => id(1));
    expectReject(
      validateReconcileResponse(res({ missingIds }), { request }),
      ErrorReason.MESSAGE_TOO_LARGE,
    );
  });
  it("rejects a cursor regression when the context knows the previous cursor", () => {
    expectReject(
      validateReconcileResponse(res({ cursor: 3n }), { request, previousCursor: () => 4n }),
      ErrorReason.CURSOR_REGRESSION,
      "cursor",
    );
    expectReject(
      validateReconcileResponse(res({}), { request, previousCursor: () => 4n }),
      ErrorReason.CURSOR_REGRESSION,
      "cursor",
    );
  });
  it("rejects an unwanted or twice-answered id, and a wanted id left unanswered", () => {
    const one = [entryChange(3n, id(1))];
    const extra = res({ changes: one, missingIds: [id(2), id(9), id(7)] });
    expectReject(
      validateReconcileResponse(extra, { request }),
      ErrorReason.MALFORMED,
      "missing_ids[2]",
    );
    const twice = res({ changes: one, missingIds: [id(1), id(2), id(9)] });
    expectReject(
      validateReconcileResponse(twice, { request }),
      ErrorReason.MALFORMED,
      "missing_ids[0]",
    );
    const unanswered = res({ changes: one, missingIds: [id(9)] });
    expectReject(
      validateReconcileResponse(unanswered, { request }),
      ErrorReason.MISSING_FIELD,
      "missing_ids",
    );
  });
});
