// Expected values are a subset of the response in protobuf JSON (emitted
// with implicit defaults): every key given must match, `null` means the
// field is absent (proto3 optional), "$any" means present. Arrays match
// element-wise with equal length, or with {"$contains": [...]} (each
// expected element matches some element), {"$lacks": x} (none matches),
// {"$maxLength": n} and {"$last": x}; {"$gt": "123"} / {"$lt": "123"} is a
// number (uint64 text) greater / less than that. {"$signedHead": "@lib"}
// as a key of an object checks its head statement (head-check.ts).
import { matchSignedHead } from "./head-check.js";
import type { Json } from "./placeholders.js";

export type Mismatch = { readonly path: string; readonly expected: Json; readonly actual: unknown };

export function match(expected: Json, actual: unknown, path = "$"): Mismatch[] {
  if (expected === "$any") return actual === undefined ? [{ path, expected, actual }] : [];
  if (expected === null)
    return actual === undefined || actual === null ? [] : [{ path, expected, actual }];
  if (Array.isArray(expected)) return matchArray(expected, actual, path);
  if (expected !== null && typeof expected === "object" && "$gt" in expected)
    return compare(">", expected.$gt, actual, path);
  if (expected !== null && typeof expected === "object" && "$lt" in expected)
    return compare("<", expected.$lt, actual, path);
  if (typeof expected === "object") {
    if ("$contains" in expected || "$lacks" in expected) return matchSet(expected, actual, path);
    if ("$maxLength" in expected || "$last" in expected) return matchEnds(expected, actual, path);
    if (actual === null || typeof actual !== "object" || Array.isArray(actual))
      return [{ path, expected, actual }];
    const obj = actual as Record<string, unknown>;
    return Object.entries(expected).flatMap(([k, v]) =>
      k === "$signedHead" ? matchSignedHead(v, obj, path) : match(v, obj[k], `${path}.${k}`),
    );
  }
  // Scalars: protobuf JSON spells uint64 as strings; compare by text.
  return actual !== undefined && String(actual) === String(expected)
    ? []
    : [{ path, expected, actual }];
}

function matchArray(expected: Json[], actual: unknown, path: string): Mismatch[] {
  const list = actual === undefined ? [] : actual;
  if (!Array.isArray(list) || list.length !== expected.length)
    return [
      {
        path: `${path}.length`,
        expected: expected.length,
        actual: Array.isArray(list) ? list.length : list,
      },
    ];
  return expected.flatMap((e, i) => match(e, list[i], `${path}[${i}]`));
}

function matchSet(expected: { [k: string]: Json }, actual: unknown, path: string): Mismatch[] {
  const list = actual === undefined ? [] : actual;
  if (!Array.isArray(list)) return [{ path, expected, actual }];
  const out: Mismatch[] = [];
  const contains = expected.$contains;
  for (const [i, e] of (Array.isArray(contains) ? contains : []).entries()) {
    if (!list.some((a) => match(e, a).length === 0))
      out.push({ path: `${path}{contains ${i}}`, expected: e, actual: "no element matches" });
  }
  const lacks = expected.$lacks;
  if (lacks !== undefined && list.some((a) => match(lacks as Json, a).length === 0))
    out.push({ path: `${path}{lacks}`, expected: lacks as Json, actual: "an element matches" });
  return out;
}

/** {"$maxLength": n} bounds a list's length; {"$last": x} matches its last element. */
function matchEnds(expected: { [k: string]: Json }, actual: unknown, path: string): Mismatch[] {
  const list = actual === undefined ? [] : actual;
  if (!Array.isArray(list)) return [{ path, expected, actual }];
  const out: Mismatch[] = [];
  const max = expected.$maxLength;
  if (typeof max === "number" && list.length > max)
    out.push({ path: `${path}.length`, expected: `<= ${max}`, actual: list.length });
  if (expected.$last !== undefined)
    out.push(...match(expected.$last as Json, list[list.length - 1], `${path}[last]`));
  return out;
}

function compare(op: ">" | "<", bound: Json | undefined, actual: unknown, path: string) {
  const num = (v: unknown) => (/^\d+$/.test(String(v)) ? BigInt(String(v)) : undefined);
  const a = num(actual);
  const b = num(bound);
  const ok = a !== undefined && b !== undefined && (op === ">" ? a > b : a < b);
  return ok ? [] : [{ path, expected: `${op} ${String(bound)}`, actual }];
}

/** One line per mismatch, for the failure report. */
export function describeMismatches(ms: readonly Mismatch[]): string {
  return ms
    .map(
      (m) => `${m.path}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.actual)}`,
    )
    .join("; ");
}
