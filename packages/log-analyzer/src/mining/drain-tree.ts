// Drain's fixed-depth prefix tree (He et al., ICWS 2017): lines are routed by
// namespace and token count, then by their first `prefixDepth` tokens, to a
// leaf holding a short list of clusters; the most similar cluster above the
// threshold absorbs the line, turning differing positions into `<*>`.

import { ownString } from "./own-string.js";
import { looksVariable, sameValueShape } from "./value-shape.js";

/** The generic wildcard a template gets where its members disagree. */
export const WILDCARD = "<*>";

/** Tuning of the tree; one general configuration serves every log. */
export interface DrainOptions {
  /** Minimum fraction of equal tokens for a line to join a cluster (0..1). */
  readonly similarity: number;
  /** Number of leading tokens used as tree levels. */
  readonly prefixDepth: number;
  /** Children per node before further tokens share the `<*>` child. */
  readonly maxChildren: number;
  /** Also route by the last token (after the prefix levels) when the line is longer. */
  readonly routeLast: boolean;
  /**
   * Count two different values at one position (tokens with digits or
   * placeholders: `42` and `0x2a`, `core.<num>` and `<ip>`) as equal when
   * matching, so a short message is not split by the value it carries.
   */
  readonly matchValues: boolean;
}

/** The one general configuration, used for every dataset in the benchmark. */
export const DEFAULT_DRAIN_OPTIONS: DrainOptions = {
  similarity: 0.7,
  prefixDepth: 2,
  maxChildren: 100,
  routeLast: true,
  matchValues: true,
};

/** A cluster: its id, namespace and current template tokens. */
export interface Cluster {
  readonly id: number;
  readonly namespace: string;
  tokens: string[];
}

interface TreeNode {
  children: Map<string, TreeNode> | null;
  clusters: Cluster[] | null;
}

/** Result of routing one line. */
export interface DrainMatch<C extends Cluster> {
  readonly cluster: C;
  /** True when the cluster was created by this line. */
  readonly created: boolean;
  /** Positions that became wildcards because of this line (empty if none). */
  readonly widened: readonly number[];
  /** The literal each widened position had before, parallel to `widened`. */
  readonly previous: readonly string[];
}

const NO_POSITIONS: readonly number[] = [];
const NO_LITERALS: readonly string[] = [];

/**
 * A token that stands for a value, for routing: a lone placeholder, anything
 * with digits (Drain's rule), or a `key=value` pair with a non-empty value.
 */
export function isVariableToken(t: string): boolean {
  const eq = t.indexOf("=");
  if (eq > 0 && eq < t.length - 1) return true;
  return looksVariable(t);
}

/** The prefix tree; `make` builds a new cluster object (so callers can extend it). */
export class DrainTree<C extends Cluster> {
  private readonly roots = new Map<string, (TreeNode | undefined)[]>();
  /** Set by bestMatch: the winner's non-wildcard tokens all equal the line's. */
  private lastCovered = false;
  private readonly opts: DrainOptions;
  private readonly make: (namespace: string, tokens: string[]) => C;

  constructor(opts: DrainOptions, make: (namespace: string, tokens: string[]) => C) {
    this.opts = opts;
    this.make = make;
  }

  /** Routes `tokens` to the best cluster, creating or widening it as needed. */
  add(namespace: string, tokens: readonly string[]): DrainMatch<C> {
    // Roots by namespace, then by token count: no key string built per line.
    let byLength = this.roots.get(namespace);
    if (byLength === undefined) {
      byLength = [];
      this.roots.set(ownString(namespace), byLength);
    }
    let node = byLength[tokens.length];
    if (node === undefined) {
      node = { children: null, clusters: null };
      byLength[tokens.length] = node;
    }
    const depth = Math.min(this.opts.prefixDepth, tokens.length);
    const levels = this.opts.routeLast && tokens.length > depth ? depth + 1 : depth;
    for (let d = 0; d < levels; d++) {
      const tok = (d < depth ? tokens[d] : tokens[tokens.length - 1]) as string;
      let route = isVariableToken(tok) ? WILDCARD : tok;
      if (node.children === null) node.children = new Map();
      let child = node.children.get(route);
      if (child === undefined) {
        route = ownString(route);
        // A full node sends new tokens down its shared wildcard child.
        if (route !== WILDCARD && node.children.size + 1 >= this.opts.maxChildren) {
          route = WILDCARD;
          child = node.children.get(WILDCARD);
        }
        if (child === undefined) {
          child = { children: null, clusters: null };
          node.children.set(route, child);
        }
      }
      node = child;
    }
    if (node.clusters === null) node.clusters = [];
    const best = this.bestMatch(node.clusters as C[], tokens);
    if (best === null) {
      const cluster = this.make(ownString(namespace), tokens.map(ownString));
      node.clusters.push(cluster);
      return { cluster, created: true, widened: NO_POSITIONS, previous: NO_LITERALS };
    }
    // bestMatch saw every position equal or a wildcard: nothing to widen.
    if (this.lastCovered)
      return { cluster: best, created: false, widened: NO_POSITIONS, previous: NO_LITERALS };
    let widened: number[] | null = null;
    let previous: string[] | null = null;
    const tpl = best.tokens;
    for (let i = 0; i < tpl.length; i++) {
      const t = tpl[i] as string;
      if (t !== tokens[i] && t !== WILDCARD) {
        tpl[i] = WILDCARD;
        if (widened === null || previous === null) {
          widened = [];
          previous = [];
        }
        widened.push(i);
        previous.push(t);
      }
    }
    return {
      cluster: best,
      created: false,
      widened: widened ?? NO_POSITIONS,
      previous: previous ?? NO_LITERALS,
    };
  }

  // Drain's fastMatch, with values as equals: the share of positions that are
  // equal, a wildcard, or a value on both sides; ties go to the cluster with
  // more wildcards; null when below the threshold.
  private bestMatch(clusters: C[], tokens: readonly string[]): C | null {
    let best: C | null = null;
    let bestSim = -1;
    let bestParams = -1;
    let bestCovered = false;
    const n = tokens.length;
    const matchValues = this.opts.matchValues;
    this.lastCovered = true;
    if (n === 0) return clusters[0] ?? null;
    for (const c of clusters) {
      const tpl = c.tokens;
      let same = 0;
      let params = 0;
      let values = 0;
      for (let i = 0; i < n; i++) {
        const t = tpl[i] as string;
        const u = tokens[i] as string;
        if (t === WILDCARD) params++;
        else if (t === u) same++;
        else if (matchValues && sameValueShape(t, u)) values++;
      }
      const sim = (same + values + params) / n;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
        bestCovered = same + params === n;
      }
    }
    this.lastCovered = bestCovered;
    return bestSim >= this.opts.similarity ? best : null;
  }
}
