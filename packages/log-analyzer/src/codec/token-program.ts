// How a template rebuilds a line: one program step per token (a literal, a
// whole-token value, or literal pieces around masked values), and the
// separator rule. This is part of the .tdlz format, so the decoder never
// depends on how the miner tokenizes: the encoder checks every line against
// these rules and stores any line that does not rebuild exactly verbatim.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { WILDCARD } from "../mining/drain-tree.js";
import type { TokenizedLine } from "../mining/tokenize.js";
import type { ByteReader, ByteWriter } from "./bytes.js";

/** How a template token is rebuilt (stored as one byte). */
export enum TokKind {
  Literal = 0,
  Wildcard = 1,
  Masked = 2,
}

export interface TokenProgram {
  readonly kind: TokKind;
  /** Literal text, or for Masked the pieces around the placeholders. */
  readonly pieces: readonly string[];
}

export type Program = readonly TokenProgram[];

const PLACEHOLDER = /<[a-z][a-z0-9_]*>/g;
const WHOLE: TokenProgram = { kind: TokKind.Wildcard, pieces: [] };

function maskedPieces(text: string, k: number): string[] | null {
  const pieces: string[] = [];
  let last = 0;
  PLACEHOLDER.lastIndex = 0;
  for (let j = 0; j < k; j++) {
    const m = PLACEHOLDER.exec(text);
    if (m === null) return null;
    pieces.push(text.slice(last, m.index));
    last = m.index + m[0].length;
  }
  pieces.push(text.slice(last));
  return pieces;
}

/** The token of `p` with its values taken from `values[at…]`. */
export function rebuildToken(p: TokenProgram, values: readonly string[], at: number): string {
  if (p.kind === TokKind.Literal) return p.pieces[0] as string;
  if (p.kind === TokKind.Wildcard) return values[at] as string;
  let s = p.pieces[0] as string;
  for (let j = 1; j < p.pieces.length; j++)
    s += (values[at + j - 1] as string) + (p.pieces[j] as string);
  return s;
}

/** Number of value columns a step consumes. */
export function slotsOf(p: TokenProgram): number {
  return p.kind === TokKind.Literal ? 0 : p.kind === TokKind.Wildcard ? 1 : p.pieces.length - 1;
}

/** Value columns of a whole program. */
export function programSlots(prog: Program): number {
  let n = 0;
  for (const p of prog) n += slotsOf(p);
  return n;
}

/** The program of a mined template for a line like `tok`, or null if it has no exact form. */
export function programFor(tpl: readonly string[], tok: TokenizedLine): TokenProgram[] | null {
  const prog: TokenProgram[] = [];
  for (let i = 0; i < tpl.length; i++) {
    const t = tpl[i] as string;
    if (t === WILDCARD) prog.push(WHOLE);
    else {
      const k = tok.params[i]?.length ?? 0;
      if (k === 0) prog.push({ kind: TokKind.Literal, pieces: [t] });
      else {
        const pieces = maskedPieces(t, k);
        if (pieces === null) return null;
        prog.push({ kind: TokKind.Masked, pieces });
      }
    }
  }
  return prog;
}

/** Slot values of one line under a program, or null when it would not rebuild exactly. */
export function slotValues(prog: Program, tok: TokenizedLine): string[] | null {
  if (prog.length !== tok.raws.length) return null;
  const out: string[] = [];
  for (let i = 0; i < prog.length; i++) {
    const p = prog[i] as TokenProgram;
    const raw = tok.raws[i] as string;
    if (p.kind === TokKind.Literal) {
      if (raw !== p.pieces[0]) return null;
    } else if (p.kind === TokKind.Wildcard) out.push(raw);
    else {
      const params = tok.params[i];
      if (params === null || params === undefined || params.length !== p.pieces.length - 1)
        return null;
      const at = out.length;
      for (const v of params) out.push(v);
      if (rebuildToken(p, out, at) !== raw) return null;
    }
  }
  return out;
}

/** The same program with step `i` turned into a whole-token value. */
export function widenedStep(prog: TokenProgram[], i: number): void {
  prog[i] = WHOLE;
}

/**
 * The format's separator rule: with no separator list, tokens are joined by
 * single spaces; else `seps` holds the leading text, the text between each
 * pair and the trailing text (one string for a line with no tokens).
 */
export function joinWithSeparators(
  raws: readonly string[],
  seps: readonly string[] | null,
): string {
  if (seps === null) return raws.join(" ");
  let out = seps[0] ?? "";
  for (let k = 0; k < raws.length; k++) out += raws[k] + (seps[k + 1] ?? "");
  return out;
}

export function writeProgram(w: ByteWriter, prog: Program): void {
  w.uvar(prog.length);
  for (const p of prog) {
    w.byte(p.kind);
    if (p.kind === TokKind.Literal) w.str(p.pieces[0] as string);
    else if (p.kind === TokKind.Masked) {
      w.uvar(p.pieces.length);
      for (const piece of p.pieces) w.str(piece);
    }
  }
}

export function readProgram(r: ByteReader): TokenProgram[] {
  const len = r.uvar();
  const prog: TokenProgram[] = [];
  for (let k = 0; k < len; k++) {
    const kind = r.byte() as TokKind;
    if (kind === TokKind.Literal) prog.push({ kind, pieces: [r.str()] });
    else if (kind === TokKind.Wildcard) prog.push(WHOLE);
    else if (kind === TokKind.Masked) {
      const np = r.uvar();
      if (np < 2) throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "bad masked token");
      const pieces: string[] = [];
      for (let j = 0; j < np; j++) pieces.push(r.str());
      prog.push({ kind, pieces });
    } else throw new LogAnalyzerError(LogErrorCode.CorruptContainer, `bad token kind ${kind}`);
  }
  return prog;
}
