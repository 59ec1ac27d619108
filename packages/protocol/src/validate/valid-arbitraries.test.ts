import { fc, test } from "@fast-check/vitest";
import { describe } from "vitest";
import {
  arbBackfillRequest,
  arbBackfillResponse,
  arbChange,
  arbExchangeWatermarksRequest,
  arbExchangeWatermarksResponse,
  arbHelloRequest,
  arbHelloResponse,
  arbNotifyDataAvailableRequest,
  arbPushChangesRequest,
  arbPushChangesResponse,
  arbReconcileRequest,
  arbReconcileResponse,
  arbStreamId,
  arbStreamWatermark,
  NOW_AFTER_ARB_HLC_MS,
} from "../testing/index.js";
import { validateBackfillRequest, validateBackfillResponse } from "./backfill.js";
import { validateChange } from "./change.js";
import {
  validateExchangeWatermarksRequest,
  validateExchangeWatermarksResponse,
} from "./exchange-watermarks.js";
import { validateHelloRequest, validateHelloResponse } from "./hello.js";
import { validateNotifyDataAvailableRequest } from "./notify-data-available.js";
import { validatePushChangesRequest, validatePushChangesResponse } from "./push-changes.js";
import { validateReconcileRequest, validateReconcileResponse } from "./reconcile.js";
import { validateStreamWatermark } from "./stream-watermark.js";
import { expectOk } from "./test-helpers.js";

// The arbitraries promise valid messages; the validators must agree, or
// either the generators or the rules are wrong.
const nowMs = NOW_AFTER_ARB_HLC_MS;
const runs = { numRuns: 80 };

describe("validators accept every generated valid message", () => {
  test.prop([arbStreamId().chain((s) => fc.tuple(fc.constant(s), arbChange(s)))], runs)(
    "validateChange",
    ([stream, change]) => expectOk(validateChange(change, { stream, nowMs })),
  );
  test.prop([arbStreamWatermark()], runs)("validateStreamWatermark", (w) =>
    expectOk(validateStreamWatermark(w)),
  );
  test.prop([arbHelloRequest()], runs)("validateHelloRequest", (r) =>
    expectOk(validateHelloRequest(r, { libraryId: r.libraryId })),
  );
  test.prop([arbHelloResponse()], runs)("validateHelloResponse", (r) =>
    expectOk(validateHelloResponse(r, { libraryId: r.libraryId })),
  );
  test.prop([arbExchangeWatermarksRequest()], runs)("validateExchangeWatermarksRequest", (r) =>
    expectOk(validateExchangeWatermarksRequest(r, { libraryId: r.libraryId })),
  );
  test.prop([arbExchangeWatermarksResponse()], runs)("validateExchangeWatermarksResponse", (r) =>
    expectOk(validateExchangeWatermarksResponse(r)),
  );
  test.prop([arbNotifyDataAvailableRequest()], runs)("validateNotifyDataAvailableRequest", (r) =>
    expectOk(validateNotifyDataAvailableRequest(r, { libraryId: r.libraryId })),
  );
  test.prop([arbBackfillRequest()], runs)("validateBackfillRequest", (r) =>
    expectOk(validateBackfillRequest(r, { libraryId: r.libraryId })),
  );
  test.prop(
    [
      arbBackfillRequest()
        .filter((req) => req.streams.length > 0)
        .chain((req) => fc.tuple(fc.constant(req), arbBackfillResponse(req))),
    ],
    runs,
  )("validateBackfillResponse", ([request, page]) =>
    expectOk(validateBackfillResponse(page, { request, nowMs })),
  );
  test.prop([arbPushChangesRequest()], runs)("validatePushChangesRequest", (r) =>
    expectOk(validatePushChangesRequest(r, { libraryId: r.libraryId, nowMs })),
  );
  test.prop(
    [
      arbPushChangesRequest().chain((req) =>
        fc.tuple(fc.constant(req), arbPushChangesResponse(req)),
      ),
    ],
    runs,
  )("validatePushChangesResponse", ([request, res]) =>
    expectOk(validatePushChangesResponse(res, { request })),
  );
  test.prop([arbReconcileRequest()], runs)("validateReconcileRequest", (r) =>
    expectOk(validateReconcileRequest(r, { libraryId: r.libraryId })),
  );
  test.prop(
    [arbReconcileRequest().chain((req) => fc.tuple(fc.constant(req), arbReconcileResponse(req)))],
    runs,
  )("validateReconcileResponse", ([request, res]) =>
    expectOk(validateReconcileResponse(res, { request, nowMs })),
  );
});
