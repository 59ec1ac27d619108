// docs/PROTOCOL.md must cover the whole proto: every RPC, message, field,
// oneof and enum value is named in it (in backticks), its error table
// matches DEFAULT_CODE, every limit is listed, and every relative link
// resolves. A proto change that the doc does not follow fails here.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_CODE } from "./errors.js";
import {
  ErrorReason,
  file_tidemark_sync_v1_errors,
  file_tidemark_sync_v1_reconcile,
  file_tidemark_sync_v1_records,
  file_tidemark_sync_v1_sync,
  LIMITS,
} from "./index.js";

const docPath = resolve(dirname(fileURLToPath(import.meta.url)), "../../../docs/PROTOCOL.md");
const doc = readFileSync(docPath, "utf8");
const FILES = [
  file_tidemark_sync_v1_errors,
  file_tidemark_sync_v1_reconcile,
  file_tidemark_sync_v1_records,
  file_tidemark_sync_v1_sync,
];
/** A rule id as defined in the text: `[BF-7]`. Prefixes of every section, ours and other lanes'. */
const RULE_ID_DEF = /\[([A-Z]{2}-[1-9]\d*)\]/g;
const RULE_PREFIXES = [
  ...["TR", "ID", "HE", "RD", "CH", "SQ", "CU", "RF", "OR", "EW", "BF", "FP", "RC", "PC", "NT"],
  ...["ER", "LM", "HL", "TB", "VR", "TI", "AU", "SG"],
];
const HAS_RULE_ID = /\[[A-Z]{2}-[1-9]\d*\]/;
const REQUIREMENT = /\b(MUST|REQUIRED|SHALL)\b/;
const mentioned = (name: string) => doc.includes(`\`${name}\``) || doc.includes(`\`${name}(`);
const missing = (names: string[]) => [...new Set(names)].filter((n) => !mentioned(n));

describe("docs/PROTOCOL.md", () => {
  it("names every RPC", () => {
    const rpcs = FILES.flatMap((f) => f.services.flatMap((s) => s.methods.map((m) => m.name)));
    expect(rpcs.length).toBe(6);
    expect(missing(rpcs)).toEqual([]);
  });

  it("names every message", () => {
    expect(missing(FILES.flatMap((f) => f.messages.map((m) => m.name)))).toEqual([]);
  });

  it("names every field and oneof by its proto name", () => {
    const names = FILES.flatMap((f) =>
      f.messages.flatMap((m) => [...m.fields.map((x) => x.name), ...m.oneofs.map((o) => o.name)]),
    );
    expect(missing(names)).toEqual([]);
  });

  it("names every enum value", () => {
    const values = FILES.flatMap((f) => f.enums.flatMap((e) => e.values.map((v) => v.name)));
    expect(missing(values)).toEqual([]);
  });

  it("lists every limit of limits.ts", () => {
    expect(missing(Object.keys(LIMITS))).toEqual([]);
  });

  it("has an error table that agrees with DEFAULT_CODE", () => {
    const snake = (s: string) =>
      s.replace(/[A-Z]/g, (c, i) => (i === 0 ? "" : "_") + c.toLowerCase());
    for (const [reason, code] of Object.entries(DEFAULT_CODE)) {
      const name = `ERROR_REASON_${ErrorReason[Number(reason)]}`;
      const codeName = snake(
        [
          "",
          "Canceled",
          "Unknown",
          "InvalidArgument",
          "DeadlineExceeded",
          "NotFound",
          "AlreadyExists",
          "PermissionDenied",
          "ResourceExhausted",
          "FailedPrecondition",
          "Aborted",
          "OutOfRange",
          "Unimplemented",
          "Internal",
          "Unavailable",
          "DataLoss",
          "Unauthenticated",
        ][code] ?? "?",
      );
      expect(doc, name).toMatch(new RegExp(`\\| \`${name}\`\\s+\\| \`${codeName}\`\\s+\\|`));
    }
  });

  describe("rule ids", () => {
    // Outside fenced code; the keyword list of §1 and the changelog name
    // keywords and ids without stating rules.
    const prose = doc.replace(/^```[\s\S]*?^```/gm, "");
    const defined = [...prose.matchAll(RULE_ID_DEF)].map((m) => m[1] as string);

    it("are well formed, of a known prefix and unique", () => {
      expect(defined.length).toBeGreaterThan(100);
      const bad = defined.filter((id) => !RULE_PREFIXES.includes(id.split("-")[0] as string));
      expect(bad).toEqual([]);
      const dup = defined.filter((id, i) => defined.indexOf(id) !== i);
      expect(dup).toEqual([]);
      // Anything bracketed that looks like an id must be a well-formed one.
      expect([...prose.matchAll(/\[([A-Z]+-[^\]\s]*)\]/g)].map((m) => m[1])).toEqual(defined);
    });

    it("mark every requirement sentence", () => {
      const body = prose
        .slice(0, prose.indexOf("## Changes in revision"))
        .replace(/The key words MUST[\s\S]*?\n\n/, "")
        .replace(/\*\*Rule ids\.\*\*[\s\S]*?\n\n/, "");
      const units = body.split(/\n\n|\||(?<=[.;:])\s+(?=[A-Z(`*_])/);
      const bare = units.filter((u) => REQUIREMENT.test(u) && !HAS_RULE_ID.test(u));
      expect(bare.map((u) => u.trim().slice(0, 120))).toEqual([]);
    });

    it("reference only defined ids", () => {
      const known = new Set(defined);
      const refs = [...prose.matchAll(/(?<![[\w-])([A-Z]{2}-\d+)(?![\w\]])/g)].map(
        (m) => m[1] as string,
      );
      expect(refs.filter((r) => !known.has(r))).toEqual([]);
    });
  });

  it("links only to files that exist", () => {
    const links = [...doc.matchAll(/\]\((\.\.\/[^)#]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(20);
    const broken = links.filter((l) => !existsSync(resolve(dirname(docPath), l)));
    expect(broken).toEqual([]);
  });
});
