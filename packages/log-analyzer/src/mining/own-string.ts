// V8 keeps substrings as slices of their parent: a 20-byte token cut from a
// 4 MB read chunk keeps the whole chunk alive. Long-lived strings (template
// tokens, tracked values) are copied so memory stays bounded by what we keep.

/** A copy of `s` that shares no storage with a larger string. */
export function ownString(s: string): string {
  // V8 copies (never slices) strings shorter than 13 chars. Slicing a fresh
  // concatenation flattens it into a new string first: the result shares
  // storage only with that copy (one char longer), not with `s`'s parent.
  return s.length < 13 ? s : ` ${s}`.slice(1);
}
