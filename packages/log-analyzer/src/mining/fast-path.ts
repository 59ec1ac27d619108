// Template-first mining. Lines of one template mostly share their literal
// skeleton (the words without digits), so the templates that lines with the
// same skeleton joined before are tried first, compared in place against
// the line's token offsets: no token strings, no masked text, no tree walk.
// A template is taken only when the tree would provably take it too:
//  - each of its literal positions equals the line's token after masking
//    and run collapsing exactly as the tokenizer does them, so the tree
//    would find it fully covered (similarity 1, nothing to widen);
//  - the line routes to its leaf: positions it has not widened give the
//    routing keys of the line that created it, widened ones are checked;
//  - no other cluster of that leaf could cover such a line and outrank it
//    (more wildcards, or as many and earlier in the leaf).
// Any other line takes the tokenizer and the tree, so the results are the
// same by construction; fast-path.test.ts pins that.
import {
  type ClusterPlace,
  type DrainOptions,
  type DrainTree,
  routeKey,
  routePosition,
  WILDCARD,
} from "./drain-tree.js";
import { applyMaskRules, expandSentinels, type MaskRules } from "./mask-rules.js";
import { maskRange, newSpanList, type SentinelTable, type SpanList } from "./masker.js";
import { ownString } from "./own-string.js";
import type { Template } from "./template-miner.js";
import {
  BOOL,
  LITERAL,
  MASKED,
  NUMBER,
  newTokenScan,
  scanTokens,
  tokenKind,
} from "./token-scan.js";
import { BOOL_PLACEHOLDER, isLonePlaceholder, NUM_PLACEHOLDER } from "./tokenize.js";
import { sameValueShape } from "./value-shape.js";

// What a template position asks of the line's token there.
const LIT = 0; // equal text (a literal without `<` masks to itself only)
const MASK = 1; // masks to the template token
const LONE = 2; // masks to this lone placeholder, then absorbs a run of them
const WILD = 3; // anything; a lone placeholder still absorbs its run

/** A template compiled against the current state of its leaf. */
interface Compiled {
  readonly template: Template;
  readonly place: ClusterPlace<Template>;
  /** The leaf version this was compiled against. */
  version: number;
  /** False while another cluster of the leaf could outrank it. */
  usable: boolean;
  kinds: Uint8Array;
  /**
   * Per position starting a run of two or more literal positions: the run's
   * tokens joined by single spaces (compared in one go), else null.
   */
  literalRuns: (string | null)[];
  /** Per position: how many positions literalRuns[i] covers (1 when null). */
  runLengths: Uint8Array;
  /** Per position: the routing key the creating line had there if the position is widened, else null. */
  routeKeys: (string | null)[];
  /** Per position: tokens recently masked there (the first of a run), most recent first. */
  seen: (Exemplar[] | undefined)[];
  /** Per position: tokens recently masked after the first (a run's next tokens). */
  next: (Exemplar[] | undefined)[];
}

/**
 * A token the masking scan masked at one template position. The scan's
 * decisions depend on where the digits are and on every other character,
 * never on which digit it is (except a 0 before x or X, a hex prefix), so a
 * token that differs from it only in digits inside its values masks to the
 * same text, with the same value spans.
 */
interface Exemplar {
  /** What it masks to. */
  readonly masked: string;
  /** Its value spans, relative to its start: start, end, start, end… */
  readonly spans: readonly number[];
  /**
   * Per character of the token: its char code, or FREE where a token like it
   * may hold any digit: inside a value (digits elsewhere are literal text of
   * the masked token), and not before x or X (a 0 there may be a hex prefix).
   */
  readonly pattern: Int32Array;
}

const FREE = -1;

// The exemplar of the token s[start, end); spans relative to start.
function exemplar(
  s: string,
  start: number,
  end: number,
  masked: string,
  spans: number[],
): Exemplar {
  const pattern = new Int32Array(end - start);
  for (let x = 0; x < pattern.length; x++) pattern[x] = s.charCodeAt(start + x);
  for (let k = 0; k < spans.length; k += 2) {
    for (let x = spans[k] as number; x < (spans[k + 1] as number); x++) {
      const c = pattern[x] as number;
      const next = x + 1 < pattern.length ? (pattern[x + 1] as number) : -1;
      if (c >= 48 && c <= 57 && next !== 120 && next !== 88) pattern[x] = FREE;
    }
  }
  return { masked, spans, pattern };
}

// Tokens recently masked per position: values of varying length (ids, sizes)
// miss a shorter list; 8 measured 2.5% faster parse than 4, 16 no better.
const EXEMPLARS = 8;

/** Candidates kept per skeleton; the signature table is cleared when it grows past MAX_SIGNATURES. */
const CANDIDATES = 4;
const MAX_SIGNATURES = 1 << 16;

/** The template-first path of one miner. */
export class FastPath {
  private readonly tree: DrainTree<Template>;
  private readonly opts: DrainOptions;
  private readonly collapse: boolean;
  private readonly rules: MaskRules | null;
  private readonly table: SentinelTable;
  private readonly scan = newTokenScan();
  /** Placeholders in the token masksToAt last accepted, and where the first one lies. */
  private spanCount = 0;
  private spanFrom = 0;
  private spanTo = 0;
  private readonly scratch: SpanList = newSpanList();
  private readonly compiled: (Compiled | undefined)[] = [];
  private readonly bySignature = new Map<number, Compiled[]>();
  /** The scanned message (config masks applied) and its sentinels, if any. */
  private text = "";
  private sentinels: SentinelTable | null = null;
  private key = 0;
  /** Where each template position's value lies in `text` after a match. */
  private valueStart = new Int32Array(64);
  private valueEnd = new Int32Array(64);

  constructor(
    tree: DrainTree<Template>,
    opts: DrainOptions & { readonly collapseRuns: boolean },
    rules: MaskRules | null,
    table: SentinelTable,
  ) {
    this.tree = tree;
    this.opts = opts;
    this.collapse = opts.collapseRuns;
    this.rules = rules;
    this.table = table;
  }

  /**
   * The template the tree would choose for `text` in `namespace` without
   * widening it, when that is certain; null when the line must take the
   * tokenizer and the tree.
   */
  match(text: string, namespace: string): Template | null {
    const s = this.rules === null ? text : applyMaskRules(text, this.rules, this.table);
    this.text = s;
    this.sentinels = s === text ? null : this.table;
    scanTokens(s, this.scan);
    this.key = (this.scan.signature ^ hashString(namespace)) & 0x3fffffff;
    if (this.scan.count === 0) return null;
    const candidates = this.bySignature.get(this.key);
    if (candidates === undefined) return null;
    for (const c of candidates) {
      const t = c.template;
      if (t.namespace !== namespace || t.tokens.length > this.scan.count) continue;
      if (c.version !== c.place.leaf.version) this.recompile(c);
      if (c.usable && this.matches(c)) return t;
    }
    return null;
  }

  /** Values at `t.vars` of the line {@link match} just accepted for `t`. */
  values(t: Template): string[] {
    const vars = t.vars;
    const out: string[] = new Array(vars.length);
    for (let k = 0; k < vars.length; k++) {
      const i = vars[k] as number;
      const v = this.text.slice(this.valueStart[i], this.valueEnd[i]);
      out[k] = this.sentinels === null ? v : expandSentinels(v, this.sentinels);
    }
    return out;
  }

  /**
   * The text {@link values} cuts from, when each value is the plain range
   * [valueStartAt(i), valueEndAt(i)) of it; null when config masks put
   * sentinels in it (values are expanded then).
   */
  plainText(): string | null {
    return this.sentinels === null ? this.text : null;
  }

  /** Where the value at template position `i` of the last accepted line starts in the matched text. */
  valueStartAt(i: number): number {
    return this.valueStart[i] as number;
  }

  /** Where the value at template position `i` of the last accepted line ends in the matched text. */
  valueEndAt(i: number): number {
    return this.valueEnd[i] as number;
  }

  /** The line last passed to {@link match} joined `t` through the tree: try `t` first next time. */
  learn(t: Template): void {
    let c = this.compiled[t.id];
    if (c === undefined) {
      const place = this.tree.placeOf(t);
      if (place === undefined) return;
      c = {
        template: t,
        place,
        version: -1,
        usable: false,
        kinds: new Uint8Array(0),
        literalRuns: [],
        runLengths: new Uint8Array(0),
        routeKeys: [],
        seen: [],
        next: [],
      };
      this.compiled[t.id] = c;
    }
    let list = this.bySignature.get(this.key);
    if (list === undefined) {
      if (this.bySignature.size >= MAX_SIGNATURES) this.bySignature.clear();
      list = [];
      this.bySignature.set(this.key, list);
    }
    if (list.includes(c)) return;
    list.unshift(c);
    if (list.length > CANDIDATES) list.pop();
  }

  private recompile(c: Compiled): void {
    const tokens = c.template.tokens;
    const n = tokens.length;
    c.kinds = new Uint8Array(n);
    c.routeKeys = new Array(n).fill(null);
    c.seen = new Array(n).fill(undefined);
    c.next = new Array(n).fill(undefined);
    for (let i = 0; i < n; i++) {
      const tok = tokens[i] as string;
      c.kinds[i] =
        tok === WILDCARD
          ? WILD
          : tok.indexOf("<") === -1
            ? LIT
            : this.collapse && isLonePlaceholder(tok)
              ? LONE
              : MASK;
    }
    this.compileLiteralRuns(c);
    for (let d = 0; d < c.place.keys.length; d++) {
      const p = routePosition(d, n, this.opts);
      if (tokens[p] === WILDCARD) c.routeKeys[p] = c.place.keys[d] as string;
    }
    if (this.valueStart.length < n) {
      this.valueStart = new Int32Array(n * 2);
      this.valueEnd = new Int32Array(n * 2);
    }
    c.usable = !this.outranked(c);
    c.version = c.place.leaf.version;
  }

  // Runs of literal positions, compared as one text where the line
  // separates them by single spaces (one compare instead of one per token).
  private compileLiteralRuns(c: Compiled): void {
    const tokens = c.template.tokens;
    const n = tokens.length;
    c.literalRuns = new Array(n).fill(null);
    c.runLengths = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; ) {
      let j = i;
      while (j < n && c.kinds[j] === LIT && j - i < 255) j++;
      if (j - i >= 2) {
        c.literalRuns[i] = tokens.slice(i, j).join(" ");
        c.runLengths[i] = j - i;
      }
      i = j > i ? j : i + 1;
    }
  }

  // True when another cluster of the leaf could cover a line that c covers
  // and win: every position c fixes is a wildcard there, equal, or (with
  // matchValues) a value of the same shape; and it has more wildcards, or
  // as many and comes first.
  private outranked(c: Compiled): boolean {
    const t = c.template.tokens;
    const own = wildcards(t);
    const clusters = c.place.clusters;
    const at = clusters.indexOf(c.template);
    for (let j = 0; j < clusters.length; j++) {
      const other = (clusters[j] as Template).tokens;
      if (j === at) continue;
      const w = wildcards(other);
      if (w < own || (w === own && j > at)) continue;
      let covers = true;
      for (let i = 0; i < t.length && covers; i++) {
        const a = t[i] as string;
        const b = other[i] as string;
        if (a === WILDCARD || b === WILDCARD || a === b) continue;
        covers = this.opts.matchValues && sameValueShape(b, a);
      }
      if (covers) return true;
    }
    return false;
  }

  // Walks the template's positions over the line's tokens; records each
  // position's value span. Line tokens are consumed exactly as the
  // tokenizer's run collapsing groups them.
  private matches(c: Compiled): boolean {
    const tokens = c.template.tokens;
    const kinds = c.kinds;
    const scan = this.scan;
    const s = this.text;
    const count = scan.count;
    let k = 0;
    for (let i = 0; i < tokens.length; i++) {
      if (k >= count) return false;
      const kind = kinds[i];
      const start = scan.starts[k] as number;
      if (kind === LIT) {
        const run = c.literalRuns[i];
        if (run !== null && run !== undefined) {
          // The whole run at once: equal text spans exactly these tokens.
          const m = c.runLengths[i] as number;
          const last = k + m - 1;
          if (last < count) {
            const end = scan.ends[last] as number;
            if (end - start === run.length && rangeIs(s, start, end, run)) {
              i += m - 1;
              k = last + 1;
              continue;
            }
          }
          // Tabs or several spaces between them: token by token.
        }
        if (!rangeIs(s, start, scan.ends[k] as number, tokens[i] as string)) return false;
        k++;
        continue;
      }
      let last = k;
      let from = start;
      let to = -1;
      if (kind === WILD) {
        // Only a lone placeholder followed by one like it starts a run.
        const lone = this.collapse && this.mayJoinRun(k + 1) ? this.loneAt(c, i, k) : null;
        if (lone !== null) while (last + 1 < count && this.joinsRun(c, i, last + 1, lone)) last++;
        const key = c.routeKeys[i];
        if (key !== null && key !== undefined && this.routeKeyAt(c, i, k, last) !== key) {
          return false;
        }
      } else {
        const tok = tokens[i] as string;
        if (!this.masksToAt(c, i, k, tok)) return false;
        // One placeholder in the token: its value is that placeholder's text.
        if (this.spanCount === 1) {
          from = this.spanFrom;
          to = this.spanTo;
        }
        if (kind === LONE) {
          while (last + 1 < count && this.joinsRun(c, i, last + 1, tok)) last++;
          // A collapsed run's one value is the whole run.
          if (last > k) to = -1;
        }
      }
      if (to < 0) {
        from = start;
        to = scan.ends[last] as number;
      }
      this.valueStart[i] = from;
      this.valueEnd[i] = to;
      k = last + 1;
    }
    return k === count;
  }

  // Whether line token k (the first at template position i) masks to
  // `expected`; sets how many placeholders it holds and where the first lies.
  private masksToAt(c: Compiled, i: number, k: number, expected: string): boolean {
    const kind = this.kindAt(k);
    this.spanCount = 0;
    if (kind === LITERAL) return this.tokenIs(k, expected);
    const start = this.scan.starts[k] as number;
    if (kind !== MASKED) {
      if (expected !== (kind === NUMBER ? NUM_PLACEHOLDER : BOOL_PLACEHOLDER)) return false;
      this.spanCount = 1;
      this.spanFrom = start;
      this.spanTo = this.scan.ends[k] as number;
      return true;
    }
    const ex = this.exemplarAt(c.seen, i, k);
    if (ex.masked !== expected) return false;
    const spans = ex.spans;
    this.spanCount = spans.length >> 1;
    if (spans.length > 0) {
      this.spanFrom = start + (spans[0] as number);
      this.spanTo = start + (spans[1] as number);
    }
    return true;
  }

  // How the tokenizer masks line token k (see tokenKind).
  private kindAt(k: number): number {
    const scan = this.scan;
    const start = scan.starts[k] as number;
    return tokenKind(this.text, start, scan.ends[k] as number, scan.flags[k] as number);
  }

  // Line token k is `t`.
  private tokenIs(k: number, t: string): boolean {
    return rangeIs(this.text, this.scan.starts[k] as number, this.scan.ends[k] as number, t);
  }

  // Whether line token k, after the first of a run at template position i,
  // masks to the run's lone placeholder `lone` (so the tokenizer joins it).
  private joinsRun(c: Compiled, i: number, k: number, lone: string): boolean {
    const kind = this.kindAt(k);
    if (kind === LITERAL) return this.tokenIs(k, lone);
    if (kind === NUMBER) return lone === NUM_PLACEHOLDER;
    if (kind === BOOL) return lone === BOOL_PLACEHOLDER;
    return this.exemplarAt(c.next, i, k).masked === lone;
  }

  // False when line token k cannot join a run (it masks to a literal that
  // does not read as a placeholder, or there is none): then the token before
  // it need not be masked to decide.
  private mayJoinRun(k: number): boolean {
    if (k >= this.scan.count) return false;
    const s = this.text;
    const start = this.scan.starts[k] as number;
    const end = this.scan.ends[k] as number;
    const kind = this.kindAt(k);
    return kind !== LITERAL || isLonePlaceholder(s, start, end);
  }

  // The masked text of line token k, the first at template position i.
  private maskedAt(c: Compiled, i: number, k: number): string {
    const s = this.text;
    const start = this.scan.starts[k] as number;
    const end = this.scan.ends[k] as number;
    const kind = this.kindAt(k);
    if (kind === NUMBER) return NUM_PLACEHOLDER;
    if (kind === BOOL) return BOOL_PLACEHOLDER;
    return kind === LITERAL ? s.slice(start, end) : this.exemplarAt(c.seen, i, k).masked;
  }

  // Line token k's masked text when it is a lone placeholder (so it starts a run), else null.
  private loneAt(c: Compiled, i: number, k: number): string | null {
    const m = this.maskedAt(c, i, k);
    // Placeholders hold no `<`, so a masked text that reads as one placeholder is one.
    return isLonePlaceholder(m) ? m : null;
  }

  // The routing key of the token made of line tokens k..last.
  private routeKeyAt(c: Compiled, i: number, k: number, last: number): string {
    // A collapsed run is one lone placeholder: a value.
    return last > k ? WILDCARD : routeKey(this.maskedAt(c, i, k));
  }

  // How the masked line token k masks: through a token recently masked at
  // template position i that it masks like, else by masking it (and
  // remembering it there).
  private exemplarAt(cache: (Exemplar[] | undefined)[], i: number, k: number): Exemplar {
    const s = this.text;
    const start = this.scan.starts[k] as number;
    const end = this.scan.ends[k] as number;
    const seen = cache[i];
    const like = seen === undefined ? null : this.like(seen, start, end);
    if (like !== null) return like;
    const spans = this.scratch;
    spans.length = 0;
    const masked = maskRange(s, start, end, spans, this.sentinels, this.collapse);
    const rel: number[] = [];
    for (let x = 0; x < spans.length; x++) {
      rel.push((spans.starts[x] as number) - start, (spans.ends[x] as number) - start);
    }
    const ex = exemplar(s, start, end, ownString(masked), rel);
    remember(cache, i, ex);
    return ex;
  }

  // The exemplar that text[start, end) masks like, if any: equal but
  // for digits where the exemplar allows another digit.
  private like(seen: Exemplar[], start: number, end: number): Exemplar | null {
    const s = this.text;
    const len = end - start;
    for (let j = 0; j < seen.length; j++) {
      const ex = seen[j] as Exemplar;
      const pattern = ex.pattern;
      if (pattern.length !== len) continue;
      let x = 0;
      for (; x < len; x++) {
        const a = s.charCodeAt(start + x);
        const e = pattern[x] as number;
        // A free place takes any digit; any other takes its own char only.
        if (a !== e && (e !== FREE || a < 48 || a > 57)) break;
      }
      if (x !== len) continue;
      // One step towards the front: the shapes a position sees most are tried first.
      if (j > 0) {
        seen[j] = seen[j - 1] as Exemplar;
        seen[j - 1] = ex;
      }
      return ex;
    }
    return null;
  }
}

function remember(cache: (Exemplar[] | undefined)[], i: number, ex: Exemplar): void {
  let seen = cache[i];
  if (seen === undefined) {
    seen = [];
    cache[i] = seen;
  }
  seen.unshift(ex);
  if (seen.length > EXEMPLARS) seen.pop();
}

function wildcards(tokens: readonly string[]): number {
  let n = 0;
  for (const t of tokens) if (t === WILDCARD) n++;
  return n;
}

// s[from, to) equals t.
function rangeIs(s: string, from: number, to: number, t: string): boolean {
  const n = t.length;
  if (to - from !== n) return false;
  // Tokens are short: an inlined loop beats the call into startsWith.
  for (let i = 0; i < n; i++) if (s.charCodeAt(from + i) !== t.charCodeAt(i)) return false;
  return true;
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
