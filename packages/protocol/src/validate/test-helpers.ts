// Shared fixtures for validator tests (not exported from the package; no
// test-runner import, so the build compiles it harmlessly).
import { create } from "@bufbuild/protobuf";
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { ChangeSchema, Resource, StreamIdSchema } from "../gen/tidemark/sync/v1/records_pb.js";
import type { ValidationResult } from "./result.js";

export const LIB = new Uint8Array(16).fill(1);
export const DEV = new Uint8Array(16).fill(2);
export const ROW = new Uint8Array(16).fill(3);
export const NOW_MS = 1_750_000_000_000;
export const HLC_NOW = BigInt(NOW_MS) << 16n;

export const stream = (resource: Resource = Resource.ENTRY, origin: Uint8Array = DEV) =>
  create(StreamIdSchema, { origin, resource });

/** A valid ENTRY change at `seq`. */
export const entryChange = (seq: bigint, rowId: Uint8Array = ROW) =>
  create(ChangeSchema, {
    rowId,
    seq,
    body: { case: "entry", value: { locationId: ROW, name: "a", kind: 1 } },
  });

/** A valid TAG change at `seq` (shared: carries an HLC). */
export const tagChange = (seq: bigint, hlc: bigint = HLC_NOW) =>
  create(ChangeSchema, { rowId: ROW, seq, hlc, body: { case: "tag", value: { name: "t" } } });

/** Asserts a rejection with `reason` whose field path contains `field`. */
export function expectReject<T>(
  result: ValidationResult<T>,
  reason: ErrorReason,
  field?: string,
): void {
  if (result.ok) throw new Error(`expected ${ErrorReason[reason]}, got ok`);
  const got = result.error;
  if (got.reason !== reason) {
    throw new Error(
      `expected ${ErrorReason[reason]}, got ${ErrorReason[got.reason]}: ${got.message}`,
    );
  }
  if (field !== undefined && !got.field.includes(field)) {
    throw new Error(`expected field ~ "${field}", got "${got.field}": ${got.message}`);
  }
}

export function expectOk<T>(result: ValidationResult<T>): void {
  if (!result.ok)
    throw new Error(`expected ok, got ${result.error.message} at ${result.error.field}`);
}
