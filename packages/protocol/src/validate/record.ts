// Per-resource record body checks: id references are 16 bytes, strings
// within MAX_STRING_BYTES, required enums set.
import { ErrorReason } from "../gen/tidemark/sync/v1/errors_pb.js";
import { type Change, EntryKind } from "../gen/tidemark/sync/v1/records_pb.js";
import { type BoundedStringField, MAX_STRING_BYTES } from "../limits.js";
import { checkId, checkString } from "./fields.js";
import { reject } from "./result.js";

type Body = Change["body"];

/** Checks the fields of a record body; `field` is the path of the change. */
export function checkRecordBody(body: Body, field: string): void {
  // Paths use proto field names: tagAssignment -> tag_assignment.
  const at = `${field}.${(body.case ?? "").replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
  const str = (name: BoundedStringField, value: string) =>
    checkString(value, MAX_STRING_BYTES[name], `${at}.${name}`);
  const id = (value: Uint8Array, name: string) => checkId(value, `${at}.${name}`);
  switch (body.case) {
    case "device":
      str("name", body.value.name);
      str("os", body.value.os);
      str("hostname", body.value.hostname);
      return;
    case "volume":
      str("name", body.value.name);
      str("mount_point", body.value.mountPoint);
      str("filesystem", body.value.filesystem);
      return;
    case "location":
      id(body.value.volumeId, "volume_id");
      str("path", body.value.path);
      str("name", body.value.name);
      return;
    case "entry":
      id(body.value.locationId, "location_id");
      if (body.value.parentId !== undefined) id(body.value.parentId, "parent_id");
      str("name", body.value.name);
      if (body.value.kind === EntryKind.UNSPECIFIED) {
        reject(ErrorReason.MISSING_FIELD, `${at}.kind is required`, { field: `${at}.kind` });
      }
      return;
    case "tag":
      str("name", body.value.name);
      str("color", body.value.color);
      return;
    case "collection":
      str("name", body.value.name);
      str("description", body.value.description);
      return;
    case "tagAssignment":
      id(body.value.tagId, "tag_id");
      id(body.value.entryId, "entry_id");
      return;
    case "collectionItem":
      id(body.value.collectionId, "collection_id");
      id(body.value.entryId, "entry_id");
      return;
    case "tombstone":
      return;
    case undefined:
      reject(ErrorReason.MISSING_FIELD, `${field}.body is required`, { field: `${field}.body` });
  }
}
