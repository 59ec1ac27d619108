// The online miner: tokenize + mask, route through the Drain tree, keep
// per-template counts, first/last seen and bounded parameter statistics.
import {
  type Cluster,
  DEFAULT_DRAIN_OPTIONS,
  type DrainOptions,
  DrainTree,
  WILDCARD,
} from "./drain-tree.js";
import { compileMaskRules, type MaskRuleSpec, type MaskRules } from "./mask-rules.js";
import type { SentinelTable } from "./masker.js";
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

  constructor(config: Partial<MinerConfig> = {}) {
    // Callers from plain JavaScript get the same checks as a config file.
    const { masks: _masks, ...tunable } = config;
    checkMinerConfig(tunable);
    this.config = { ...DEFAULT_MINER_CONFIG, ...config };
    this.rules = this.config.masks.length === 0 ? null : compileMaskRules(this.config.masks);
    this.tree = new DrainTree<Template>(this.config, (namespace, tokens) => {
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
        vars: variablePositions(tokens),
      };
      this.list.push(t);
      return t;
    });
  }

  /** Tokenizes without mining (same masks as `mine`). */
  tokenize(text: string): TokenizedLine {
    return tokenize(text, this.rules, this.table, this.config.collapseRuns);
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
    const tok = tokenize(text, this.rules, this.table, this.config.collapseRuns);
    const m = this.tree.add(namespace, tok.tokens);
    const t = m.cluster;
    if (m.widened.length > 0) t.vars = variablePositions(t.tokens);
    if (t.count === 0) {
      t.firstLine = line;
      t.firstTime = time;
    }
    if (this.config.stats) this.record(t, tok, m.widened, m.previous);
    t.count++;
    t.lastLine = line;
    if (time !== undefined) {
      if (t.firstTime === undefined) t.firstTime = time;
      t.lastTime = time;
    }
    return { template: t, tok };
  }

  private record(
    t: Template,
    tok: TokenizedLine,
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
    const tpl = t.tokens;
    for (const i of t.vars) {
      const tt = tpl[i] as string;
      let s = t.stats[i];
      if (s === undefined) {
        s = new ParamStats(i);
        t.stats[i] = s;
      }
      s.add(positionValue(tt, tok, i));
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
