// What a tag colour may be, and how it is stored. No dependencies: the CLI
// checks a colour before it opens anything.
import { CliError, CliErrorCode } from "./errors.js";

/** Colour names a person may type, stored as the CSS colour they name. */
export const NAMED_COLORS: Readonly<Record<string, string>> = {
  red: "#ff0000",
  orange: "#ffa500",
  yellow: "#ffff00",
  green: "#008000",
  blue: "#0000ff",
  purple: "#800080",
  pink: "#ffc0cb",
  brown: "#a52a2a",
  grey: "#808080",
  gray: "#808080",
  black: "#000000",
  white: "#ffffff",
};

/**
 * A tag colour as stored: `#rrggbb`, lowercase. Accepts `#rgb`, `#rrggbb`
 * and the names above; anything else is refused with the accepted forms.
 */
export function normaliseColor(text: string): string {
  const t = text.trim().toLowerCase();
  const named = NAMED_COLORS[t];
  if (named !== undefined) return named;
  if (/^#[0-9a-f]{6}$/.test(t)) return t;
  if (/^#[0-9a-f]{3}$/.test(t)) return `#${[...t.slice(1)].map((c) => c + c).join("")}`;
  throw new CliError(
    CliErrorCode.InvalidArgument,
    `invalid colour "${text}"`,
    `use #rrggbb, #rgb or one of: ${Object.keys(NAMED_COLORS).join(", ")}`,
  );
}
