// The online miner: tokenize + mask, route through the Drain tree, keep
// per-template counts, first/last seen and bounded parameter statistics.
import {
  type Cluster,
  DEFAULT_DRAIN_OPTIONS,
  type DrainOptions,
  DrainTree,
  WILDCARD,
} from "./drain-tree.js";
import { FastPath } from "./fast-path.js";
import { compileMaskRules, type MaskRuleSpec, type MaskRules } from "./mask-rules.js";
import type { SentinelTable } from "./masker.js";
import { messageCut, withRest } from "./message-cap.js";
import { checkMinerConfig } from "./miner-config.js";
import { ParamStats } from "./param-stats.js";
import { type TokenizedLine, tokenize } from "./tokenize.js";

/** Miner configuration: Drain tuning plus config-declared masks. */
export interface MinerConfig extends DrainOptions {
  readonly masks: readonly MaskRuleSpec[];
  /** Keep per-position parameter statistics (costs time; off for compression). */
  readonly stats: boolean;
  /** Merge runs of one placeholder (`<num> <num> <num>`) into one token (variable-length lists). */
  readonly collapseRuns: boolean;
}

export const DEFAULT_MINER_CONFIG: MinerConfig = {
  ...DEFAULT_DRAIN_OPTIONS,
  masks: [],
  stats: true,
  collapseRuns: true,
};

/** A mined template with its running statistics. */
export interface Template extends Cluster {
  count: number;
  firstLine: number;
  lastLine: number;
  firstTime: number | undefined;
  lastTime: number | undefined;
  /** Per token position; set for positions that are (or contain) placeholders. */
  readonly stats: (ParamStats | undefined)[];
  /** Positions that are (or contain) placeholders, ascending; kept current. */
  vars: number[];
}

function variablePositions(tokens: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) if (isVariablePosition(tokens[i] as string)) out.push(i);
  return out;
}

/** True when a template token is or contains a placeholder. */
export function isVariablePosition(tok: string): boolean {
  return tok === WILDCARD || (tok.indexOf("<") !== -1 && /<[a-z][a-z0-9_]*>/.test(tok));
}

/** The value a line contributes at a variable position. */
export function positionValue(tplTok: string, tok: TokenizedLine, i: number): string {
  const p = tok.params[i];
  if (tplTok !== WILDCARD && p !== null && p !== undefined && p.length === 1) return p[0] as string;
  return tok.raws[i] as string;
}

/** Values of `tok` at the template's variable positions. */
export function paramsOf(t: Pick<Template, "tokens" | "vars">, tok: TokenizedLine): string[] {
  const out: string[] = new Array(t.vars.length);
  for (let k = 0; k < t.vars.length; k++) {
    const i = t.vars[k] as number;
    out[k] = positionValue(t.tokens[i] as string, tok, i);
  }
  return out;
}

/** A mined message: its template and its values at the template's variable positions. */
export interface MinedMessage {
  readonly template: Template;
  readonly params: string[];
}

const NO_POSITIONS: readonly number[] = [];
const NO_LITERALS: readonly string[] = [];

/** The one template of lines that continue a record (stack frames, "Caused by:"). */
export const CONTINUATION = "<continuation>";

/** Renders a template's tokens as one string. */
export function templateText(t: { readonly tokens: readonly string[] }): string {
  return t.tokens.join(" ");
}

/** Online template miner; feed it messages one at a time. */
export class TemplateMiner {
  readonly config: MinerConfig;
  private readonly tree: DrainTree<Template>;
  private readonly list: Template[] = [];
  private readonly rules: MaskRules | null;
  private readonly table: SentinelTable = { values: [], names: [] };
  private readonly fast: FastPath;
  private fastLines = 0;
  private cont: Template | null = null;

  constructor(config: Partial<MinerConfig> = {}) {
    // Callers from plain JavaScript get the same checks as a config file.
    const { masks: _masks, ...tunable } = config;
    checkMinerConfig(tunable);
    this.config = { ...DEFAULT_MINER_CONFIG, ...config };
    this.rules = this.config.masks.length === 0 ? null : compileMaskRules(this.config.masks);
    this.tree = new DrainTree<Template>(this.config, (namespace, tokens) =>
      this.newTemplate(namespace, tokens, variablePositions(tokens)),
    );
    this.fast = new FastPath(this.tree, this.config, this.rules, this.table);
  }

  /**
   * Tokenizes without mining (same masks and cap as `mine`): a message too
   * long to mine whole ends in one `<rest>` token holding the rest exactly.
   */
  tokenize(text: string): TokenizedLine {
    const cut = messageCut(text);
    if (cut === -1) return tokenize(text, this.rules, this.table, this.config.collapseRuns);
    const head = tokenize(text.slice(0, cut), this.rules, this.table, this.config.collapseRuns);
    return withRest(head, text.slice(cut));
  }

  /**
   * Mines one message. `line` is its 1-based line number, `time` its epoch ms
   * if known. Returns the template it joined (which may have just widened).
   */
  mine(
    text: string,
    namespace = "",
    line = 0,
    time?: number,
  ): { template: Template; tok: TokenizedLine } {
    return this.viaTree(text, namespace, line, time, this.config.stats);
  }

  /**
   * Mines one message like {@link mine}, returning its values at the
   * template's variable positions instead of its tokens. Tries the
   * template-first path (fast-path.ts) before the tokenizer and the tree;
   * the result is the same either way.
   */
  mineMessage(text: string, namespace = "", line = 0, time?: number): MinedMessage {
    // A message too long to mine whole takes the tree, where it is capped.
    const whole = messageCut(text) === -1;
    const hit = whole ? this.fast.match(text, namespace) : null;
    if (hit !== null) {
      this.fastLines++;
      const params = this.fast.values(hit);
      const text = this.config.stats ? this.fast.plainText() : null;
      if (text === null) this.joined(hit, line, time, params, NO_POSITIONS, NO_LITERALS);
      else {
        this.recordInPlace(hit, text);
        this.joined(hit, line, time, null, NO_POSITIONS, NO_LITERALS);
      }
      return { template: hit, params };
    }
    const r = this.viaTree(text, namespace, line, time, true);
    if (whole) this.fast.learn(r.template);
    return { template: r.template, params: r.params as string[] };
  }

  // The tokenizer and the tree; params (at the template's variable
  // positions) are computed when asked for or when statistics need them.
  private viaTree(
    text: string,
    namespace: string,
    line: number,
    time: number | undefined,
    wantParams: boolean,
  ): { template: Template; tok: TokenizedLine; params: string[] | null } {
    const tok = this.tokenize(text);
    const m = this.tree.add(namespace, tok.tokens);
    const t = m.cluster;
    if (m.widened.length > 0) t.vars = variablePositions(t.tokens);
    const params = wantParams || this.config.stats ? paramsOf(t, tok) : null;
    this.joined(t, line, time, params, m.widened, m.previous);
    return { template: t, tok, params };
  }

  /**
   * Counts a line that continues the record before it (a stack frame): all
   * such lines share one template, {@link CONTINUATION}, outside the tree,
   * so frames never become templates of their own. The line is its value.
   */
  continuation(text: string, line = 0, time?: number): Template {
    let t = this.cont;
    if (t === null) {
      t = this.newTemplate("", [CONTINUATION], [0]);
      this.cont = t;
    }
    this.joined(t, line, time, this.config.stats ? [text] : null, NO_POSITIONS, NO_LITERALS);
    return t;
  }

  private newTemplate(namespace: string, tokens: string[], vars: number[]): Template {
    const t: Template = {
      id: this.list.length,
      namespace,
      tokens,
      count: 0,
      firstLine: 0,
      lastLine: 0,
      firstTime: undefined,
      lastTime: undefined,
      stats: [],
      vars,
    };
    this.list.push(t);
    return t;
  }

  /** Messages {@link mineMessage} mined on the template-first path (the rest took the tree). */
  fastPathLines(): number {
    return this.fastLines;
  }

  // Bookkeeping once a line has joined `t`; `values` are at t.vars (null: no statistics).
  private joined(
    t: Template,
    line: number,
    time: number | undefined,
    values: readonly string[] | null,
    widened: readonly number[],
    previous: readonly string[],
  ): void {
    if (t.count === 0) {
      t.firstLine = line;
      t.firstTime = time;
    }
    if (this.config.stats && values !== null) this.record(t, values, widened, previous);
    t.count++;
    t.lastLine = line;
    if (time !== undefined) {
      if (t.firstTime === undefined) t.firstTime = time;
      t.lastTime = time;
    }
  }

  private record(
    t: Template,
    values: readonly string[],
    widened: readonly number[],
    previous: readonly string[],
  ): void {
    for (let k = 0; k < widened.length; k++) {
      const i = widened[k] as number;
      // Before widening, every earlier member had this same literal here.
      if (t.stats[i] === undefined && t.count > 0) {
        const s = new ParamStats(i);
        s.add(previous[k] as string, t.count);
        t.stats[i] = s;
      }
    }
    const vars = t.vars;
    for (let k = 0; k < vars.length; k++) {
      const i = vars[k] as number;
      let s = t.stats[i];
      if (s === undefined) {
        s = new ParamStats(i);
        t.stats[i] = s;
      }
      s.add(values[k] as string);
    }
  }

  // Statistics of the line the fast path just accepted for `t`, its values
  // read where they lie in `text` (the same values `fast.values` cuts).
  private recordInPlace(t: Template, text: string): void {
    const vars = t.vars;
    for (let k = 0; k < vars.length; k++) {
      const i = vars[k] as number;
      let s = t.stats[i];
      if (s === undefined) {
        s = new ParamStats(i);
        t.stats[i] = s;
      }
      s.addRange(text, this.fast.valueStartAt(i), this.fast.valueEndAt(i));
    }
  }

  /** All templates, by id (ids are dense, in order of creation). */
  templates(): readonly Template[] {
    return this.list;
  }

  /** The template with this id. */
  template(id: number): Template | undefined {
    return this.list[id];
  }
}
