// A device id as people type it: 32 hex digits (dashes allowed) or the
// short form with its check digits (`tidemark id` prints both).
import { parseDeviceIdShortForm } from "@tidemark/protocol";
import { CliError, CliErrorCode } from "../errors.js";
import { toHex } from "../ids.js";

/** The hex device id `text` names; a CliError naming both spellings otherwise. */
export function parseDeviceRef(text: string): string {
  const hex = text.replaceAll("-", "").toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex)) return hex;
  const id = parseDeviceIdShortForm(text);
  if (id !== undefined) return toHex(id);
  throw new CliError(
    CliErrorCode.InvalidArgument,
    `"${text}" is not a device id: 32 hex digits, or the short form XXXXXXX-XXXXXXX-XXXXXXX-XXXXXXX (a typo fails its check digits)`,
    "copy it from `tidemark id` on that device",
  );
}
