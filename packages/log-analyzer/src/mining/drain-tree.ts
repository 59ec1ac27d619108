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
  /** Changes whenever a cluster is added to this leaf or one of its clusters widens. */
  version: number;
}

/** Where a cluster lives, for callers that reason about the tree's choices. */
export interface ClusterPlace<C extends Cluster> {
  /** The clusters of its leaf, in the order the tree compares them. */
  readonly clusters: readonly C[];
  /** Its leaf: the version changes whenever a cluster joins the leaf or one of them widens. */
  readonly leaf: { readonly version: number };
  /**
   * The routing key of each tree level for the line that created the
   * cluster. Routing is a fixed function of these keys (a key sent down the
   * shared `<*>` child of a full node always is), so a line with the same
   * keys reaches this leaf.
   */
  readonly keys: readonly string[];
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

/** How many tree levels route a line of `n` tokens. */
export function routeLevels(n: number, opts: DrainOptions): number {
  const depth = Math.min(opts.prefixDepth, n);
  return opts.routeLast && n > depth ? depth + 1 : depth;
}

/** The token position that routes level `d` of a line of `n` tokens. */
export function routePosition(d: number, n: number, opts: DrainOptions): number {
  return d < Math.min(opts.prefixDepth, n) ? d : n - 1;
}

/** The routing key of a token: `<*>` for a value, else the token. */
export function routeKey(tok: string): string {
  return isVariableToken(tok) ? WILDCARD : tok;
}

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
  private readonly places = new Map<C, ClusterPlace<C>>();
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
      node = { children: null, clusters: null, version: 0 };
      byLength[tokens.length] = node;
    }
    const n = tokens.length;
    const levels = routeLevels(n, this.opts);
    for (let d = 0; d < levels; d++) {
      let route = routeKey(tokens[routePosition(d, n, this.opts)] as string);
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
          child = { children: null, clusters: null, version: 0 };
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
      node.version++;
      this.place(cluster, node, tokens, levels);
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
    if (widened !== null) node.version++;
    return {
      cluster: best,
      created: false,
      widened: widened ?? NO_POSITIONS,
      previous: previous ?? NO_LITERALS,
    };
  }

  /** The leaf of a cluster this tree made, and the keys that routed it there. */
  placeOf(cluster: C): ClusterPlace<C> | undefined {
    return this.places.get(cluster);
  }

  private place(cluster: C, leaf: TreeNode, tokens: readonly string[], levels: number): void {
    const keys: string[] = [];
    for (let d = 0; d < levels; d++) {
      keys.push(ownString(routeKey(tokens[routePosition(d, tokens.length, this.opts)] as string)));
    }
    this.places.set(cluster, { clusters: leaf.clusters as C[], leaf, keys });
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
