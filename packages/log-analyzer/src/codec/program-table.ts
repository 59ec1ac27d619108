// Template programs shared across the blocks of one .tdlz stream: a block
// names a program already in the table by number and defines only new ones,
// so a long log does not repeat its templates in every block. Encoder and
// decoder keep the same table; it is cleared when it grows past `limit`.
import type { Program } from "./token-program.js";

export const DEFAULT_PROGRAM_LIMIT = 1 << 16;

export class ProgramTable {
  private readonly list: Program[] = [];
  private readonly ids = new Map<string, number>();

  constructor(readonly limit = DEFAULT_PROGRAM_LIMIT) {}

  get size(): number {
    return this.list.length;
  }

  /** True when the encoder should start the next block with a cleared table. */
  get full(): boolean {
    return this.list.length >= this.limit;
  }

  /** The number of an identical program already in the table (encoder side). */
  find(prog: Program): number | undefined {
    return this.ids.get(keyOf(prog));
  }

  /** Appends a program; returns its number. The decoder skips the index (`find` is the encoder's). */
  add(prog: Program, index = true): number {
    const id = this.list.length;
    this.list.push(prog);
    if (index) this.ids.set(keyOf(prog), id);
    return id;
  }

  get(id: number): Program | undefined {
    return this.list[id];
  }

  /** Drops programs numbered `size` and above (a block that was not stored columnar). */
  truncate(size: number): void {
    for (let id = this.list.length - 1; id >= size; id--) {
      this.ids.delete(keyOf(this.list[id] as Program));
    }
    this.list.length = Math.min(this.list.length, size);
  }

  clear(): void {
    this.list.length = 0;
    this.ids.clear();
  }
}

// Kinds are small integers and pieces are latin1 text, so this key is unambiguous.
function keyOf(prog: Program): string {
  return JSON.stringify(prog.map((p) => [p.kind, p.pieces]));
}
