// One block of lines ↔ its columnar payload: the templates it uses (new ones
// spelled out, known ones by their number in the shared program table), the
// template of every line, one column per (template, value slot), whitespace
// exceptions, and lines stored verbatim when they do not rebuild exactly.
// docs/tdlz-format.md describes the layout byte by byte.
import { LogAnalyzerError, LogErrorCode } from "../errors.js";
import { WILDCARD } from "../mining/drain-tree.js";
import { MAX_MINED_CHARS } from "../mining/message-cap.js";
import type { TemplateMiner } from "../mining/template-miner.js";
import { ByteReader, ByteWriter } from "./bytes.js";
import { readColumn, writeColumn } from "./columns.js";
import type { ProgramTable } from "./program-table.js";
import {
  joinWithSeparators,
  type Program,
  programFor,
  programSlots,
  readProgram,
  rebuildToken,
  slotsOf,
  slotValues,
  type TokenProgram,
  TokKind,
  widenedStep,
  writeProgram,
} from "./token-program.js";

/** Payload layouts: 1 = every program inline (format v1), 2 = shared program table. */
export type PayloadLayout = 1 | 2;

// Per template used in the block: its program and one column per slot, filled as lines arrive.
interface LocalTemplate {
  readonly prog: TokenProgram[];
  readonly cols: string[][];
  rows: number;
}

// The template widened after the program was made: each affected position
// becomes a whole-token column holding the token of every earlier row.
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
      widenedStep(lt.prog, i);
      slot += 1;
    } else slot += width;
  }
}

interface MinedBlock {
  readonly locals: LocalTemplate[];
  /** Local template of each line; -1 for a line stored verbatim. */
  readonly ids: Int32Array;
  readonly sepRows: number[];
  readonly sepLists: string[][];
}

function localFor(
  lt: LocalTemplate | undefined,
  tpl: readonly string[],
  tok: Parameters<typeof programFor>[1],
): LocalTemplate | null {
  if (lt === undefined) {
    const prog = programFor(tpl, tok);
    if (prog === null) return null;
    return { prog, cols: Array.from({ length: programSlots(prog) }, () => []), rows: 0 };
  }
  for (let k = 0; k < tpl.length; k++) {
    if (tpl[k] === WILDCARD && (lt.prog[k] as TokenProgram).kind !== TokKind.Wildcard) {
      widen(lt, tpl);
      break;
    }
  }
  return lt;
}

// Past this share of lines starting a new template, a block has no structure
// worth the mining (which slows down as templates pile up): give up early.
const GIVE_UP_SHARE = 0.5;
const CHECK_EVERY = 2048;

// Mines every line and files its values under its template; a line whose
// tokens or separators would not rebuild it exactly is kept verbatim. Null
// when the block turned out to be mostly new templates.
function mineBlock(lines: readonly string[], miner: TemplateMiner): MinedBlock | null {
  const byTemplate = new Map<number, number>();
  const locals: LocalTemplate[] = [];
  const ids = new Int32Array(lines.length);
  const sepRows: number[] = [];
  const sepLists: string[][] = [];
  const known = miner.templates().length;
  for (let i = 0; i < lines.length; i++) {
    if (i > 0 && i % CHECK_EVERY === 0 && miner.templates().length - known > i * GIVE_UP_SHARE) {
      return null;
    }
    const line = lines[i] as string;
    // Longer lines are kept verbatim, not mined (their rest would be one value anyway).
    if (line.length > MAX_MINED_CHARS) {
      ids[i] = -1;
      continue;
    }
    const { template, tok } = miner.mine(line);
    const lid = byTemplate.get(template.id);
    const lt = localFor(lid === undefined ? undefined : locals[lid], template.tokens, tok);
    const values = lt === null ? null : slotValues(lt.prog, tok);
    if (lt === null || values === null || joinWithSeparators(tok.raws, tok.seps) !== line) {
      ids[i] = -1;
      continue;
    }
    let id = lid;
    if (id === undefined) {
      id = locals.length;
      byTemplate.set(template.id, id);
      locals.push(lt);
    }
    ids[i] = id;
    lt.rows++;
    for (let k = 0; k < values.length; k++) (lt.cols[k] as string[]).push(values[k] as string);
    if (tok.seps !== null) {
      sepRows.push(i);
      sepLists.push(tok.seps);
    }
  }
  return { locals, ids, sepRows, sepLists };
}

/** Options of {@link encodeBlock}. */
export interface EncodeBlockOptions {
  /** Programs shared with earlier blocks; new ones are appended. */
  readonly table: ProgramTable;
  /** The decoder must clear its table before this block. */
  readonly resetTable: boolean;
}

/**
 * Encodes `lines` (latin1 strings, no newlines) with `miner` (stats off, no
 * JSON) into a layout-2 payload. Programs new to `table` are appended to it.
 * Null, with the table unchanged, when most lines are new templates (the
 * block is better stored as text; see mineBlock).
 */
export function encodeBlock(
  lines: readonly string[],
  miner: TemplateMiner,
  opts: EncodeBlockOptions,
): Uint8Array | null {
  const mined = mineBlock(lines, miner);
  if (mined === null) return null;
  const { locals, ids, sepRows, sepLists } = mined;
  const n = lines.length;
  const w = new ByteWriter();
  w.uvar(opts.resetTable ? 1 : 0);
  w.uvar(n);
  w.uvar(locals.length);
  for (const lt of locals) {
    const known = opts.table.find(lt.prog);
    w.uvar(known === undefined ? 0 : known + 1);
    if (known === undefined) {
      writeProgram(w, lt.prog);
      opts.table.add(lt.prog);
    }
  }
  for (let i = 0; i < n; i++) {
    const lid = ids[i] as number;
    w.uvar(lid < 0 ? locals.length : lid);
  }
  for (const lt of locals) for (const col of lt.cols) writeColumn(w, col);
  writeSeparators(w, sepRows, sepLists);
  for (let i = 0; i < n; i++) if ((ids[i] as number) < 0) w.str(lines[i] as string);
  return w.finish();
}

// Whitespace that is not "single spaces, nothing at the ends": row deltas and lists.
function writeSeparators(w: ByteWriter, rows: readonly number[], lists: readonly string[][]): void {
  w.uvar(rows.length);
  let prev = 0;
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k] as number;
    w.uvar(row - prev);
    prev = row;
    const seps = lists[k] as string[];
    w.uvar(seps.length);
    for (const x of seps) w.str(x);
  }
}

/** Decodes a payload into its lines; layout 2 reads and extends `table`. */
export function decodeBlock(
  buf: Uint8Array,
  table: ProgramTable | null,
  layout: PayloadLayout = 2,
): string[] {
  try {
    return decode(new ByteReader(buf), table, layout);
  } catch (err) {
    if (err instanceof LogAnalyzerError) throw err;
    throw new LogAnalyzerError(LogErrorCode.CorruptContainer, "corrupt block", {}, err);
  }
}

function corrupt(what: string): never {
  throw new LogAnalyzerError(LogErrorCode.CorruptContainer, what);
}

function readPrograms(r: ByteReader, table: ProgramTable | null, layout: PayloadLayout): Program[] {
  const count = r.uvar();
  if (count > r.remaining) corrupt("bad template count");
  const programs: Program[] = [];
  for (let t = 0; t < count; t++) {
    const ref = layout === 1 ? 0 : r.uvar();
    if (ref === 0) {
      const prog = readProgram(r);
      programs.push(prog);
      table?.add(prog, false);
    } else programs.push(table?.get(ref - 1) ?? corrupt("unknown program number"));
  }
  return programs;
}

function decode(r: ByteReader, table: ProgramTable | null, layout: PayloadLayout): string[] {
  // Layout 2 starts with flags (bit 0: clear the shared table first); layout 1 has none.
  const flags = layout === 2 ? r.uvar() : 0;
  const n = r.uvar();
  // Every line takes at least one byte (its template id), so this bounds allocation.
  if (n > r.remaining) corrupt("bad line count");
  if (layout === 2) {
    if (table === null) corrupt("layout 2 needs a program table");
    if ((flags & 1) === 1) table.clear();
  }
  const programs = readPrograms(r, table, layout);
  const tcount = programs.length;
  const ids = new Int32Array(n);
  const counts = new Array<number>(tcount).fill(0);
  for (let i = 0; i < n; i++) {
    const id = r.uvar();
    if (id > tcount) corrupt("bad template id");
    ids[i] = id;
    if (id < tcount) counts[id] = (counts[id] as number) + 1;
  }
  const cols = programs.map((prog, t) => {
    const c: string[][] = [];
    for (let s = programSlots(prog); s > 0; s--) c.push(readColumn(r, counts[t] as number));
    return c;
  });
  const seps = readSeparators(r);
  const cursor = new Array<number>(tcount).fill(0);
  const out: string[] = new Array(n);
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (id === tcount) continue;
    const prog = programs[id] as Program;
    const row = cursor[id] as number;
    cursor[id] = row + 1;
    values.length = 0;
    for (const col of cols[id] as string[][]) values.push(col[row] as string);
    const raws: string[] = new Array(prog.length);
    let v = 0;
    for (let k = 0; k < prog.length; k++) {
      const p = prog[k] as TokenProgram;
      raws[k] = rebuildToken(p, values, v);
      v += slotsOf(p);
    }
    out[i] = joinWithSeparators(raws, seps.get(i) ?? null);
  }
  for (let i = 0; i < n; i++) if (ids[i] === tcount) out[i] = r.str();
  if (r.remaining !== 0) corrupt("trailing bytes in block");
  return out;
}

function readSeparators(r: ByteReader): Map<number, string[]> {
  const seps = new Map<number, string[]>();
  const count = r.uvar();
  let at = 0;
  for (let k = 0; k < count; k++) {
    at += r.uvar();
    const len = r.uvar();
    const arr: string[] = [];
    for (let j = 0; j < len; j++) arr.push(r.str());
    seps.set(at, arr);
  }
  return seps;
}
