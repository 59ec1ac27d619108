// Case files are protobuf JSON with a few placeholders, so a case reads
// as ids and clocks rather than base64: "@me" (the runner's device for
// this case), "@me2" (a second fresh device), "@lib", "@peer" (the target's
// device id), "@x:ab" (16 × ab), "@id:10" (10 then zeros, 16 bytes),
// "@hex:…" (exact bytes), "@hlc:now", "@hlc:now+600000" (ms offset; counter
// 1), "@hlc:now+600000,65535" (that counter), "@hlc:now-400d+2" (400 days
// before now, plus 2 ms: older than any tombstone retention),
// "@str:a*1025" (a string of 1025 "a"), "@key:me" / "@key:me2" (that
// device's raw ed25519 public key), "@tagid:NAME" and "@assignid:NAME,@x:11"
// (the ids PROTOCOL.md §3.2 derives), "@hexof:@tagid:x" (those bytes in
// hex), "@bound:NAME" (a value an earlier step bound; "@bound:NAME+1" that
// number plus one, "@bound:NAME*3+5000" three times it plus 5000); {"$repeat": n, "item": x} is a list (n may be
// "@bound:NAME"), and "{n}" in x counts from "start" (default 1).
import { tagAssignmentIdOf, tagIdOf } from "@tidemark/protocol";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type Bindings = {
  readonly library: Uint8Array;
  readonly me: Uint8Array;
  readonly me2: Uint8Array;
  /** Raw ed25519 public keys of @me and @me2 (their ids derive from them). */
  readonly meKey: Uint8Array;
  readonly me2Key: Uint8Array;
  readonly peer: Uint8Array | undefined;
  /** Unix ms used for "@hlc:now". */
  readonly nowMs: number;
  /** Values bound by control steps ("@bound:NAME"). */
  readonly bound?: ReadonlyMap<string, Json>;
};

export class PlaceholderError extends Error {
  override readonly name = "PlaceholderError";
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

function hexBytes(hex: string, pad: boolean): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new PlaceholderError(`bad hex "${hex}"`);
  const raw = Buffer.from(hex, "hex");
  if (!pad) return new Uint8Array(raw);
  if (raw.length > 16) throw new PlaceholderError(`@id:${hex} is longer than 16 bytes`);
  const out = new Uint8Array(16);
  out.set(raw);
  return out;
}

/** The value of one placeholder string, or the string itself. */
export function resolveString(s: string, b: Bindings): Json {
  if (!s.startsWith("@")) return s;
  if (s === "@me") return b64(b.me);
  if (s === "@me2") return b64(b.me2);
  if (s === "@lib") return b64(b.library);
  if (s === "@peer") {
    if (b.peer === undefined) throw new PlaceholderError("@peer before the target answered Hello");
    return b64(b.peer);
  }
  const [kind, arg = ""] = [s.slice(1, s.indexOf(":")), s.slice(s.indexOf(":") + 1)];
  switch (kind) {
    case "x":
      return b64(new Uint8Array(16).fill(Number.parseInt(arg, 16)));
    case "id":
      return b64(hexBytes(arg, true));
    case "hex":
      return b64(hexBytes(arg, false));
    case "row": {
      // A row id of this case: the given first byte, then the case's device
      // id, so cases never share rows and ids still sort by that byte.
      const out = new Uint8Array(16);
      out.set(hexBytes(arg, false).subarray(0, 1));
      out.set(b.me.subarray(0, 15), 1);
      return b64(out);
    }
    case "bin":
      return b64(binTokens(arg, b));
    case "hlc": {
      const m = /^now(?:-(\d+)d)?([+-]\d+)?(?:,(\d+))?$/.exec(arg);
      const counter = Number(m?.[3] ?? 1);
      if (m === null || counter > 0xffff)
        throw new PlaceholderError(`bad HLC placeholder "${s}": @hlc:now[-DAYSd][+ms][,counter]`);
      const ms = BigInt(b.nowMs - Number(m[1] ?? 0) * 86_400_000 + Number(m[2] ?? 0));
      return ((ms << 16n) | BigInt(counter)).toString();
    }
    case "key":
      if (arg === "me") return b64(b.meKey);
      if (arg === "me2") return b64(b.me2Key);
      throw new PlaceholderError(`bad key placeholder "${s}": @key:me or @key:me2`);
    case "bound": {
      // "@bound:max+1", "@bound:ms*3+5000": a bound number times and plus
      // (or minus) constants, as uint64 text.
      const m = /^(.*?)(?:\*(\d+))?([+-]\d+)?$/.exec(arg);
      const name = m?.[1] ?? arg;
      const v = b.bound?.get(name);
      if (v === undefined) throw new PlaceholderError(`${s}: no earlier step bound "${name}"`);
      if (m?.[2] === undefined && m?.[3] === undefined) return v;
      if (typeof v !== "string" && typeof v !== "number")
        throw new PlaceholderError(`${s}: "${name}" is not a number`);
      let sum: bigint;
      try {
        sum = BigInt(v) * BigInt(m[2] ?? 1) + BigInt(m[3] ?? 0);
      } catch {
        throw new PlaceholderError(`${s}: "${name}" is not a number (${String(v)})`);
      }
      if (sum < 0n) throw new PlaceholderError(`${s}: below zero`);
      return sum.toString();
    }
    case "hexof":
      // A placeholder's bytes as lowercase hex (TestControl fields spell ids so).
      return Buffer.from(String(resolveString(arg, b)), "base64").toString("hex");
    case "tagid":
      return b64(tagIdOf(b.library, arg));
    case "assignid": {
      const [name = "", entry = ""] = arg.split(",");
      const entryId = Buffer.from(String(resolveString(entry, b)), "base64");
      return b64(tagAssignmentIdOf(tagIdOf(b.library, name), new Uint8Array(entryId)));
    }
    case "str": {
      const m = /^(.)\*(\d+)$/su.exec(arg);
      if (m === null) throw new PlaceholderError(`bad string placeholder "${s}"`);
      return (m[1] as string).repeat(Number(m[2]));
    }
    default:
      return s;
  }
}

/** "@bin:0a10 {lib} 1210 {me}": hex and named ids concatenated. */
function binTokens(arg: string, b: Bindings): Uint8Array {
  const parts = arg
    .trim()
    .split(/\s+/)
    .map((t): Uint8Array => {
      if (t === "{lib}") return b.library;
      if (t === "{me}") return b.me;
      // The 15 bytes "@row:xx" puts after its first byte.
      if (t === "{me15}") return b.me.subarray(0, 15);
      // After a 4-byte "{i}" of $repeat: a row id of this case.
      if (t === "{me12}") return b.me.subarray(0, 12);
      if (t === "{me2}") return b.me2;
      if (t === "{peer}" && b.peer !== undefined) return b.peer;
      return hexBytes(t, false);
    });
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * {"$repeat": n, "item": x}: n copies of x, "{i}" in its strings replaced by
 * the copy's index as 8 hex digits (for lists over a limit, e.g. "@id:{i}")
 * and "{n}" by start + index in decimal (consecutive seqs).
 */
function repeat(count: number | string, item: Json, b: Bindings, start = 1): Json[] {
  const n = typeof count === "number" ? count : Number(resolveString(count, b));
  if (!Number.isInteger(n) || n < 0 || n > 100_000)
    throw new PlaceholderError(`bad $repeat ${count}${n === count ? "" : ` (${n})`}`);
  if (!Number.isInteger(start)) throw new PlaceholderError(`bad $repeat start ${start}`);
  const text = JSON.stringify(item);
  return Array.from({ length: n }, (_, i) =>
    resolve(
      JSON.parse(
        text
          .replaceAll("{i}", i.toString(16).padStart(8, "0"))
          .replaceAll("{n}", String(i + start)),
      ) as Json,
      b,
    ),
  );
}

/** `value` with every placeholder string replaced (keys are left alone). */
export function resolve(value: Json, b: Bindings): Json {
  if (typeof value === "string") return resolveString(value, b);
  if (Array.isArray(value)) return value.map((v) => resolve(v, b));
  if (value !== null && typeof value === "object") {
    const count = value.$repeat;
    if ((typeof count === "number" || typeof count === "string") && value.item !== undefined)
      return repeat(count, value.item, b, typeof value.start === "number" ? value.start : 1);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, b)]));
  }
  return value;
}
