// One block of lines ↔ bytes: a local template table, the template id of
// every line, one column per (template, parameter slot), whitespace
// exceptions, and lines stored verbatim when they do not rebuild exactly.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { WILDCARD } from "../mining/drain-tree.js";
import type { TemplateMiner } from "../mining/template-miner.js";
import { joinTokens, type TokenizedLine } from "../mining/tokenize.js";
import { ByteReader, ByteWriter } from "./bytes.js";
import { readColumn, writeColumn } from "./columns.js";

/** How a template token is rebuilt. */
enum TokKind {
  Literal = 0,
  Wildcard = 1,
  Masked = 2,
}

interface TokenProgram {
  kind: TokKind;
  /** Literal text, or for Masked the pieces around the placeholders. */
  pieces: string[];
}

const PLACEHOLDER = /<[a-z][a-z0-9_]*>/g;

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

function rebuildToken(p: TokenProgram, values: readonly string[], at: number): string {
  if (p.kind === TokKind.Literal) return p.pieces[0] as string;
  if (p.kind === TokKind.Wildcard) return values[at] as string;
  let s = p.pieces[0] as string;
  for (let j = 1; j < p.pieces.length; j++)
    s += (values[at + j - 1] as string) + (p.pieces[j] as string);
  return s;
}

function slotsOf(p: TokenProgram): number {
  return p.kind === TokKind.Literal ? 0 : p.kind === TokKind.Wildcard ? 1 : p.pieces.length - 1;
}

function programFor(tpl: readonly string[], tok: TokenizedLine): TokenProgram[] | null {
  const prog: TokenProgram[] = [];
  for (let i = 0; i < tpl.length; i++) {
    const t = tpl[i] as string;
    if (t === WILDCARD) prog.push({ kind: TokKind.Wildcard, pieces: [] });
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

// Slot values of one line under a program, or null when it would not rebuild exactly.
function slotValues(prog: readonly TokenProgram[], tok: TokenizedLine): string[] | null {
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

// Per local template: its program and one column per slot, filled as lines arrive.
interface LocalTemplate {
  readonly prog: TokenProgram[];
  readonly cols: string[][];
  rows: number;
}

// The template widened after the program was made: each affected position
// becomes a wildcard column holding the whole token of every earlier row.
function widen(lt: LocalTemplate, tpl: readonly string[]): void {
  let slot = 0;
  for (let i = 0; i < lt.prog.length; i++) {
    const p = lt.prog[i] as TokenProgram;
    const width = slotsOf(p);
    if (tpl[i] === WILDCARD && p.kind !== TokKind.Wildcard) {
      const raws: string[] = new Array(lt.rows);
      const values: string[] = new Array(width);
      for (let r = 0; r < lt.rows; r++) {
        for (let k = 0; k < width; k++) values[k] = (lt.cols[slot + k] as string[])[r] as string;
        raws[r] = rebuildToken(p, values, 0);
      }
      lt.cols.splice(slot, width, raws);
      lt.prog[i] = { kind: TokKind.Wildcard, pieces: [] };
      slot += 1;
    } else slot += width;
  }
}

/**
 * Encodes `lines` (latin1 strings, no newlines) with `miner` (stats off, no
 * JSON). Lines are encoded as they are mined, so no tokenized line is kept.
 */
export function encodeBlock(lines: readonly string[], miner: TemplateMiner): Uint8Array {
  const n = lines.length;
  const local = new Map<number, number>();
  const locals: LocalTemplate[] = [];
  const localIds: number[] = new Array(n);
  const exceptions: number[] = [];
  const sepRows: number[] = [];
  const sepLists: string[][] = [];
  for (let i = 0; i < n; i++) {
    const { template, tok } = miner.mine(lines[i] as string);
    let lid = local.get(template.id);
    let lt: LocalTemplate;
    if (lid === undefined) {
      const prog = programFor(template.tokens, tok);
      if (prog === null) {
        localIds[i] = -1;
        exceptions.push(i);
        continue;
      }
      lid = locals.length;
      local.set(template.id, lid);
      lt = {
        prog,
        cols: prog.flatMap((q) => Array.from({ length: slotsOf(q) }, () => [] as string[])),
        rows: 0,
      };
      locals.push(lt);
    } else {
      lt = locals[lid] as LocalTemplate;
      const tpl = template.tokens;
      for (let k = 0; k < tpl.length; k++) {
        if (tpl[k] === WILDCARD && (lt.prog[k] as TokenProgram).kind !== TokKind.Wildcard) {
          widen(lt, tpl);
          break;
        }
      }
    }
    const values = slotValues(lt.prog, tok);
    if (values === null) {
      localIds[i] = -1;
      exceptions.push(i);
      continue;
    }
    localIds[i] = lid;
    lt.rows++;
    for (let k = 0; k < values.length; k++) (lt.cols[k] as string[]).push(values[k] as string);
    if (tok.seps !== null) {
      sepRows.push(i);
      sepLists.push(tok.seps);
    }
  }
  const programs = locals.map((l) => l.prog);
  const columns = locals.map((l) => l.cols);

  const w = new ByteWriter();
  w.uvar(n);
  w.uvar(programs.length);
  for (const prog of programs) {
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
  // Template ids; exceptions are stored as programs.length.
  for (let i = 0; i < n; i++) {
    const lid = localIds[i] as number;
    w.uvar(lid < 0 ? programs.length : lid);
  }
  for (const cols of columns) for (const col of cols) writeColumn(w, col);
  // Whitespace that is not "single spaces, nothing at the ends".
  w.uvar(sepRows.length);
  let prev = 0;
  for (let k = 0; k < sepRows.length; k++) {
    const row = sepRows[k] as number;
    w.uvar(row - prev);
    prev = row;
    const seps = sepLists[k] as string[];
    w.uvar(seps.length);
    for (const x of seps) w.str(x);
  }
  for (const i of exceptions) w.str(lines[i] as string);
  return w.finish();
}

/** Decodes a block written by {@link encodeBlock} into its lines. */
export function decodeBlock(buf: Uint8Array): string[] {
  try {
    return decode(new ByteReader(buf));
  } catch (err) {
    if (err instanceof LogAnalyzerError) throw err;
    throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "corrupt block", {}, err);
  }
}

function decode(r: ByteReader): string[] {
  const n = r.uvar();
  const tcount = r.uvar();
  const programs: TokenProgram[][] = [];
  for (let t = 0; t < tcount; t++) {
    const len = r.uvar();
    const prog: TokenProgram[] = [];
    for (let k = 0; k < len; k++) {
      const kind = r.byte() as TokKind;
      if (kind === TokKind.Literal) prog.push({ kind, pieces: [r.str()] });
      else if (kind === TokKind.Wildcard) prog.push({ kind, pieces: [] });
      else if (kind === TokKind.Masked) {
        const np = r.uvar();
        const pieces: string[] = [];
        for (let j = 0; j < np; j++) pieces.push(r.str());
        prog.push({ kind, pieces });
      } else throw new LogAnalyzerError(LogErrorCode.CorruptContainer, `bad token kind ${kind}`);
    }
    programs.push(prog);
  }
  const ids: number[] = new Array(n);
  const counts = new Array<number>(tcount).fill(0);
  for (let i = 0; i < n; i++) {
    const id = r.uvar();
    if (id > tcount) throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "bad template id");
    ids[i] = id;
    if (id < tcount) counts[id] = (counts[id] as number) + 1;
  }
  const cols: string[][][] = programs.map((prog, t) => {
    const slots = prog.reduce((a, p) => a + slotsOf(p), 0);
    const c: string[][] = [];
    for (let s = 0; s < slots; s++) c.push(readColumn(r, counts[t] as number));
    return c;
  });
  const seps = new Map<number, string[]>();
  const sepCount = r.uvar();
  let at = 0;
  for (let k = 0; k < sepCount; k++) {
    at += r.uvar();
    const len = r.uvar();
    const arr: string[] = [];
    for (let j = 0; j < len; j++) arr.push(r.str());
    seps.set(at, arr);
  }
  const cursor = new Array<number>(tcount).fill(0);
  const out: string[] = new Array(n);
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (id === tcount) continue;
    const prog = programs[id] as TokenProgram[];
    const c = cols[id] as string[][];
    const row = cursor[id] as number;
    cursor[id] = row + 1;
    values.length = 0;
    for (const col of c) values.push(col[row] as string);
    const raws: string[] = new Array(prog.length);
    let v = 0;
    for (let k = 0; k < prog.length; k++) {
      const p = prog[k] as TokenProgram;
      raws[k] = rebuildToken(p, values, v);
      v += slotsOf(p);
    }
    out[i] = joinTokens(raws, seps.get(i) ?? null);
  }
  for (let i = 0; i < n; i++) if (ids[i] === tcount) out[i] = r.str();
  return out;
}
