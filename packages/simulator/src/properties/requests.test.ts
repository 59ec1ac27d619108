// honest-requests on hand-made messages: a malformed request from an
// honest device fails it; the same from a liar, or a push a forger wrote,
// does not.
import { create } from "@bufbuild/protobuf";
import {
  NotifyDataAvailableRequestSchema,
  PushChangesRequestSchema,
  Resource,
} from "@tidemark/protocol";
import { describe, expect, test } from "vitest";
import { LIBRARY_ID } from "../ids.js";
import type { TapInfo } from "../network/network.js";
import { RequestTracker } from "./requests.js";

const library = Uint8Array.from(Buffer.from(LIBRARY_ID, "hex"));
const device = new Uint8Array(16).fill(7);
const stream = { origin: device, resource: Resource.TAG };

const tap = (from: number, rpc: string, message: unknown): TapInfo => ({
  from,
  to: 1,
  rpc,
  part: "req",
  call: 1,
  bytes: 0,
  message: () => message,
});

/** A notice listing a stream without its cursor (NT-3 wants one). */
const cursorless = create(NotifyDataAvailableRequestSchema, {
  libraryId: library,
  deviceId: device,
  watermarks: [{ stream, liveCount: 0n, fingerprint: new Uint8Array(16), pulling: true }],
});

/** A push of another origin's row (NOT_ORIGIN), as a forger sends it. */
const foreign = create(PushChangesRequestSchema, {
  libraryId: library,
  deviceId: device,
  batches: [
    {
      stream: { origin: new Uint8Array(16).fill(9), resource: Resource.TAG },
      changes: [{ rowId: new Uint8Array(16).fill(0xf0), seq: 1n }],
    },
  ],
});

describe("honest-requests", () => {
  test("a notice listing a stream without a cursor fails it", () => {
    const t = new RequestTracker(
      () => library,
      () => false,
    );
    t.observe(tap(0, "NotifyDataAvailable", cursorless), 5);
    expect(t.take()?.property).toBe("honest-requests");
    expect(t.take()?.detail).toContain("NotifyDataAvailable request d0 to d1 at 5 ms");
    expect(t.take()?.detail).toContain("cursor is required in a notice");
  });

  test("a liar's requests and a forger's pushes are not judged", () => {
    const t = new RequestTracker(
      () => library,
      (i) => i === 2,
    );
    t.observe(tap(2, "NotifyDataAvailable", cursorless), 5);
    t.forgedPush(0, 1, "f0".repeat(16));
    t.observe(tap(0, "PushChanges", foreign), 6);
    expect(t.take()).toBeUndefined();
    // The same push from a device that did not forge it is judged.
    t.observe(tap(3, "PushChanges", foreign), 7);
    expect(t.take()?.detail).toContain("PushChanges request d3 to d1");
  });

  test("answers are not requests: only the req part is judged", () => {
    const t = new RequestTracker(
      () => library,
      () => false,
    );
    t.observe({ ...tap(0, "NotifyDataAvailable", cursorless), part: "res" }, 5);
    expect(t.take()).toBeUndefined();
  });
});
