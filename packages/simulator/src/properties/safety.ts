// Safety sampling during chaos: the cursor invariant must hold at every
// instant on every live replica — except on a stream whose state a fault
// deliberately corrupted, until the engine has repaired it (then it is
// enforced again). Only streams whose (cursor, count, fingerprint) changed
// since the last sample are re-checked, so sampling stays cheap.
import { idToHex, streamKeyString } from "@tidemark/engine";
import type { SimNode } from "../node.js";
import type { Oracle } from "../oracle.js";
import { checkStreamInvariant } from "./contiguous.js";
import type { PropertyFailure } from "./property.js";

export class SafetyMonitor {
  private readonly seen = new Map<string, string>();
  /** `${device}|${streamKey}` corrupted by a fault and not yet repaired. */
  readonly tainted = new Set<string>();
  checks = 0;

  constructor(private readonly oracle: Oracle) {}

  taint(device: number, key: string): void {
    this.tainted.add(`${device}|${key}`);
  }

  /** Returns the first violation among changed streams, if any. */
  sample(nodes: readonly SimNode[]): PropertyFailure | undefined {
    for (const node of nodes) {
      const replica = node.replica;
      if (!node.alive || replica === undefined) continue;
      for (const s of replica.status().streams) {
        const key = streamKeyString(s.stream);
        const id = `${node.index}|${key}`;
        const sig = `${node.generation}|${s.cursor}|${s.liveCount}|${idToHex(s.fingerprint)}|${s.pulling}`;
        if (this.seen.get(id) === sig) continue;
        this.seen.set(id, sig);
        this.checks++;
        const f = checkStreamInvariant(node, s, this.oracle, nodes);
        if (f === undefined) {
          this.tainted.delete(id);
        } else if (!this.tainted.has(id)) {
          return { ...f, detail: `${f.detail} (safety: seen during the run)` };
        }
      }
    }
    return undefined;
  }
}
