// The rule ids PROTOCOL.md defines ("[BF-7]" after a requirement), with
// the section each sits in: what coverage is measured against.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type Rule = { readonly id: string; readonly section: string; readonly text: string };

export const PROTOCOL_DOC = join(import.meta.dirname, "..", "..", "..", "docs", "PROTOCOL.md");

const DEF = /\[([A-Z]{2}-[1-9]\d*)\]/g;

/** Every rule id defined in the document, in document order, with a snippet before it. */
export function readRules(doc = PROTOCOL_DOC): Rule[] {
  const text = readFileSync(doc, "utf8").replace(/^```[\s\S]*?^```/gm, "");
  const out: Rule[] = [];
  let section = "";
  let offset = 0;
  for (const line of text.split("\n")) {
    const h = /^#{2,3} (.*)$/.exec(line);
    if (h !== null) section = h[1] as string;
    for (const m of line.matchAll(DEF)) {
      const at = offset + (m.index ?? 0);
      const before = text.slice(Math.max(0, at - 160), at).replace(/\s+/g, " ");
      out.push({
        id: m[1] as string,
        section,
        text: before.slice(before.lastIndexOf(". ") + 1).trim(),
      });
    }
    offset += line.length + 1;
  }
  return out;
}
