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
import {
  maskedLone,
  maskMatches,
  maskToken,
  newSpanList,
  type SentinelTable,
  type SpanList,
} from "./masker.js";
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
  /** Per position: the routing key the creating line had there if the position is widened, else null. */
  routeKeys: (string | null)[];
  /** Per position: tokens recently masked there, most recent first. */
  seen: (Exemplar[] | undefined)[];
}

/**
 * A token the masking scan checked at one template position. The scan's
 * decisions depend on where the digits are and on every other character,
 * never on which digit it is (except a 0 before x or X, a hex prefix), so a
 * token that differs from it only in digits inside its values masks the
 * same way, with the same value spans.
 */
interface Exemplar {
  /** The token (an own copy). */
  readonly raw: string;
  /** Its value spans, relative to its start: start, end, start, end… */
  readonly spans: readonly number[];
  /**
   * 1 where a token like it may hold another digit: inside a value (digits
   * elsewhere are literal text of the masked token), and not before x or X
   * (a 0 there may be a hex prefix).
   */
  readonly free: Uint8Array;
}

function exemplar(raw: string, spans: readonly number[]): Exemplar {
  const free = new Uint8Array(raw.length);
  for (let k = 0; k < spans.length; k += 2) {
    for (let x = spans[k] as number; x < (spans[k + 1] as number); x++) {
      const c = raw.charCodeAt(x);
      const next = raw.charCodeAt(x + 1);
      free[x] = c >= 48 && c <= 57 && next !== 120 && next !== 88 ? 1 : 0;
    }
  }
  return { raw, spans, free };
}

const EXEMPLARS = 4;

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
  private readonly spans: SpanList = newSpanList();
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
        routeKeys: [],
        seen: [],
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
    const spans = this.spans;
    let k = 0;
    for (let i = 0; i < tokens.length; i++) {
      if (k >= count) return false;
      const kind = kinds[i];
      const start = scan.starts[k] as number;
      if (kind === LIT) {
        if (!rangeIs(s, start, scan.ends[k] as number, tokens[i] as string)) return false;
        k++;
        continue;
      }
      let last = k;
      let from = start;
      let to = -1;
      if (kind === WILD) {
        const lone = this.collapse ? this.loneMask(k) : null;
        if (lone !== null) while (last + 1 < count && this.masksTo(last + 1, lone)) last++;
        const key = c.routeKeys[i];
        if (key !== null && key !== undefined && this.routeKeyAt(k, last) !== key) return false;
      } else {
        const tok = tokens[i] as string;
        spans.length = 0;
        if (!this.masksToAt(c, i, k, tok)) return false;
        // One placeholder in the token: its value is that placeholder's text.
        if (spans.length === 1) {
          from = spans.starts[0] as number;
          to = spans.ends[0] as number;
        }
        if (kind === LONE) {
          while (last + 1 < count && this.masksTo(last + 1, tok)) last++;
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

  // Whether line token k masks (as the tokenizer masks it) to `expected`;
  // appends its placeholders' spans to this.spans.
  private masksTo(k: number, expected: string): boolean {
    const s = this.text;
    const start = this.scan.starts[k] as number;
    const end = this.scan.ends[k] as number;
    const kind = tokenKind(s, start, end, this.scan.flags[k] as number);
    if (kind === LITERAL) return rangeIs(s, start, end, expected);
    if (kind === MASKED) {
      const lists = this.collapse;
      return maskMatches(s, start, end, expected, this.spans, this.sentinels, lists);
    }
    if (expected !== (kind === NUMBER ? NUM_PLACEHOLDER : BOOL_PLACEHOLDER)) return false;
    const l = this.spans;
    l.starts[l.length] = start;
    l.ends[l.length] = end;
    l.length++;
    return true;
  }

  // masksTo for the first token at template position i, through the
  // tokens recently checked there.
  private masksToAt(c: Compiled, i: number, k: number, expected: string): boolean {
    const s = this.text;
    const start = this.scan.starts[k] as number;
    const end = this.scan.ends[k] as number;
    if (tokenKind(s, start, end, this.scan.flags[k] as number) !== MASKED) {
      return this.masksTo(k, expected);
    }
    const seen = c.seen[i];
    const ex = seen === undefined ? null : this.like(seen, start, end);
    if (ex !== null) {
      const l = this.spans;
      for (let x = 0; x < ex.spans.length; x += 2) {
        l.starts[l.length] = start + (ex.spans[x] as number);
        l.ends[l.length] = start + (ex.spans[x + 1] as number);
        l.length++;
      }
      return true;
    }
    const mark = this.spans.length;
    if (!this.masksTo(k, expected)) return false;
    const rel: number[] = [];
    for (let x = mark; x < this.spans.length; x++) {
      rel.push((this.spans.starts[x] as number) - start, (this.spans.ends[x] as number) - start);
    }
    remember(c, i, exemplar(ownString(s.slice(start, end)), rel));
    return true;
  }

  // The exemplar that text[start, end) masks like, if any: equal but
  // for digits where the exemplar allows another digit.
  private like(seen: readonly Exemplar[], start: number, end: number): Exemplar | null {
    const s = this.text;
    const len = end - start;
    for (const ex of seen) {
      const raw = ex.raw;
      if (raw.length !== len) continue;
      const free = ex.free;
      let x = 0;
      for (; x < len; x++) {
        const a = s.charCodeAt(start + x);
        if (a !== raw.charCodeAt(x) && (free[x] === 0 || a < 48 || a > 57)) break;
      }
      if (x === len) return ex;
    }
    return null;
  }

  // The masked text of line token k.
  private maskedAt(k: number): string {
    const s = this.text;
    const start = this.scan.starts[k] as number;
    const end = this.scan.ends[k] as number;
    const kind = tokenKind(s, start, end, this.scan.flags[k] as number);
    if (kind === NUMBER) return NUM_PLACEHOLDER;
    if (kind === BOOL) return BOOL_PLACEHOLDER;
    const raw = s.slice(start, end);
    return kind === LITERAL ? raw : maskToken(raw, [], this.sentinels, this.collapse);
  }

  // Line token k's masked text when it is a lone placeholder (so it starts a run), else null.
  private loneMask(k: number): string | null {
    const s = this.text;
    const start = this.scan.starts[k] as number;
    const end = this.scan.ends[k] as number;
    const kind = tokenKind(s, start, end, this.scan.flags[k] as number);
    if (kind === NUMBER) return NUM_PLACEHOLDER;
    if (kind === BOOL) return BOOL_PLACEHOLDER;
    if (kind === LITERAL) return isLonePlaceholder(s, start, end) ? s.slice(start, end) : null;
    const lone = maskedLone(s, start, end, this.sentinels, this.collapse);
    if (lone !== null || !isLonePlaceholder(s, start, end)) return lone;
    // `<a1>` masks to itself, which reads as a lone placeholder too.
    const raw = s.slice(start, end);
    this.scratch.length = 0;
    return maskMatches(s, start, end, raw, this.scratch, this.sentinels, this.collapse)
      ? raw
      : null;
  }

  // The routing key of the token made of line tokens k..last.
  private routeKeyAt(k: number, last: number): string {
    // A collapsed run is one lone placeholder: a value.
    return last > k ? WILDCARD : routeKey(this.maskedAt(k));
  }
}

function remember(c: Compiled, i: number, ex: Exemplar): void {
  let seen = c.seen[i];
  if (seen === undefined) {
    seen = [];
    c.seen[i] = seen;
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
  return to - from === t.length && s.startsWith(t, from);
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
