// Safety during the run: the cursor invariant must hold at every instant
// on every live replica, so it is checked on every watermark change, not
// sampled. A changed stream is first compared with the oracle's
// fingerprint and count at its cursor (cheap, incremental); a mismatch is
// diffed row by row for the diagnosis. Once a virtual second, streams that
// changed are also diffed row by row, so a replica whose fingerprint does
// not describe its rows cannot hide. Streams a corruption fault damaged
// are exempt until the engine repairs them, and the exemption follows the
// data: a replica that copies a damaged stream from a damaged peer is
// damaged too (S11).
import { streamKeyString } from "@tidemark/engine";
import { HLC_COUNTER_BITS, HLC_MAX_OFFSET_MS, isSharedResource } from "@tidemark/protocol";
import type { SimNode } from "../node.js";
import type { Oracle } from "../oracle.js";
import type { AdaptedReplica } from "../probe/probe.js";
import type { Watermark } from "../probe/types.js";
import { SIM_EPOCH_MS } from "../virtual-clock.js";
import { checkStreamInvariant } from "./contiguous.js";
import type { PropertyFailure } from "./property.js";
import type { WatermarkView } from "./view.js";

const sigOf = (gen: number, w: Watermark) =>
  `${gen}|${w.cursor}|${w.liveCount}|${w.fingerprint}|${w.pulling}|${w.maxAppliedSeq}`;

export class SafetyMonitor {
  /** `${device}|${stream}` -> watermark signature at the last cheap check. */
  private readonly seen = new Map<string, string>();
  /** Same, at the last row-by-row check. */
  private readonly diffed = new Map<string, string>();
  /** `${device}|${stream}` damaged by a fault (or copied from damage) and not yet repaired. */
  readonly tainted = new Set<string>();
  /** Cheap checks and row-by-row diffs run so far. */
  checks = 0;
  diffs = 0;

  /** Each device's largest lead of its wall clock over true time seen so far (ms). */
  private readonly leads = new Map<number, number>();

  /**
   * `maxOffsetMs`: how far ahead of its physical time a device may take a
   * remote HLC (PROTOCOL §12; the scenario's engine config, else the default).
   */
  constructor(
    private readonly oracle: Oracle,
    private readonly maxOffsetMs: number = HLC_MAX_OFFSET_MS,
  ) {}

  taint(device: number, streamKey: string): void {
    this.tainted.add(`${device}|${streamKey}`);
  }

  isTainted(device: number, streamKey: string): boolean {
    return this.tainted.has(`${device}|${streamKey}`);
  }

  /** True when some stream of `device` is exempt (cheap pre-check for the network tap). */
  hasTaint(device: number): boolean {
    const prefix = `${device}|`;
    for (const t of this.tainted) if (t.startsWith(prefix)) return true;
    return false;
  }

  /** Per signature map, each device's last watermark answer (skipped when identical). */
  private readonly lastSeen = new Map<
    Map<string, string>,
    Map<number, { watermarks: readonly Watermark[]; generation: number }>
  >();
  /** Each device's HLC at the last instant (it must never go back; S6). */
  private readonly hlcs = new Map<number, bigint>();

  /** A restore from a backup legitimately takes the device's HLC back to the backup's. */
  forgetHlc(device: number): void {
    this.hlcs.delete(device);
  }

  /**
   * A seq reused by an origin, or an own write not past the last HLC, is a
   * violation at once (S3, S6). A reuse counts when a replica other than
   * the origin applied or held the first change at that seq (noteHeld); one
   * no replica ever held cannot be told from a write never sent (§3.7).
   */
  private reuse(): PropertyFailure | undefined {
    const back = this.oracle.hlcRegressions[0];
    if (back !== undefined) {
      return {
        property: "hlc-monotone",
        detail: `origin ${back.after.origin.slice(0, 8)} wrote ${back.after.id} with hlc ${back.after.hlc}, not past the hlc ${back.before} of its previous write`,
      };
    }
    const r = this.oracle.reuses[0];
    if (r === undefined) return undefined;
    return {
      property: "no-seq-reuse",
      detail: `stream ${r.stream} handed out seq ${r.seq} twice: row ${r.first.id} then row ${r.second.id}${r.first.id === r.second.id ? " (another version)" : ""}`,
    };
  }

  /** What a replica holds of another origin's stream: a seq reused there later is seen (§3.7). */
  private noteHeld(view: WatermarkView, w: Watermark): void {
    if (w.stream.origin === view.deviceId) return;
    const a = w.cursor;
    const b = w.maxAppliedSeq;
    const through = a === undefined ? b : b === undefined || b < a ? a : b;
    this.oracle.noteHeld(streamKeyString(w.stream), through);
  }

  private async views(nodes: readonly SimNode[]): Promise<WatermarkView[]> {
    const out: WatermarkView[] = [];
    for (const n of nodes) {
      if (!n.alive || n.replica === undefined) continue;
      out.push({
        index: n.index,
        deviceId: n.deviceId,
        watermarks: await n.replica.probe.watermarks(),
      });
    }
    return out;
  }

  /** A device's HLC never goes backwards, restarts on its own state included (S6). */
  private async clocks(nodes: readonly SimNode[]): Promise<PropertyFailure | undefined> {
    for (const n of nodes) {
      const probe = n.alive ? n.replica?.probe : undefined;
      if (probe === undefined) continue;
      const h = await probe.hlc();
      const before = this.hlcs.get(n.index);
      this.hlcs.set(n.index, h);
      if (before !== undefined && h < before) {
        return {
          property: "hlc-monotone",
          devices: [n.index, n.index],
          detail: `d${n.index}'s HLC went back from ${before} to ${h}`,
        };
      }
      const ahead = this.beyondOffset(n, h);
      if (ahead !== undefined) return ahead;
    }
    return undefined;
  }

  /**
   * No device's HLC is more than maxOffset ahead of the physical time it
   * could have read (PROTOCOL §12: a remote HLC past that is refused and
   * never moves the clock). That time is at most true time plus the
   * largest lead its wall clock ever had (the reference clock carries the
   * highest reading forward); 1 ms more for a counter carry.
   */
  private beyondOffset(n: SimNode, h: bigint): PropertyFailure | undefined {
    const now = n.clock.monotonic();
    const lead = Math.max(this.leads.get(n.index) ?? 0, n.clock.now() - SIM_EPOCH_MS - now);
    this.leads.set(n.index, lead);
    const hlcMs = Number(h >> BigInt(HLC_COUNTER_BITS));
    const limit = SIM_EPOCH_MS + now + lead + this.maxOffsetMs + 1;
    if (hlcMs <= limit) return undefined;
    return {
      property: "hlc-within-max-offset",
      devices: [n.index, n.index],
      detail: `d${n.index}'s HLC reads ${hlcMs - SIM_EPOCH_MS - now} ms ahead of true time; its clock was never more than ${lead} ms ahead, so it took a remote HLC past the max offset (${this.maxOffsetMs} ms)`,
    };
  }

  /**
   * The receive rule at every instant (S8, PROTOCOL §12): a device's clock
   * is strictly past every HLC it holds of another origin's shared rows
   * (each went through a receive), and at or past its own.
   */
  private async causal(node: SimNode, w: Watermark): Promise<PropertyFailure | undefined> {
    const clock = this.hlcs.get(node.index);
    if (clock === undefined || !isSharedResource(w.stream.resource)) return undefined;
    const own = w.stream.origin === node.deviceId;
    for (const e of await (node.replica as AdaptedReplica).probe.entries(w.stream)) {
      if (e.hlc === undefined || (own ? e.hlc <= clock : e.hlc < clock)) continue;
      return {
        property: "hlc-causal",
        devices: [node.index, node.index],
        detail: `d${node.index} holds ${streamKeyString(w.stream)} row ${e.id} with hlc ${e.hlc}, ${own ? "past" : "not below"} its own clock ${clock}: ${own ? "a local write did not tick the clock" : "a receive did not move the clock past the remote's"}`,
      };
    }
    return undefined;
  }

  /** No cursor is past the highest seq its origin ever committed (S6). */
  private beyondHead(view: WatermarkView, w: Watermark): PropertyFailure | undefined {
    if (w.cursor === undefined) return undefined;
    const key = streamKeyString(w.stream);
    const head = this.oracle.head(key);
    if (head !== undefined && w.cursor <= head) return undefined;
    return {
      property: "cursor-within-origin-head",
      devices: [view.index, view.index],
      detail: `stream ${key} on d${view.index}: cursor ${w.cursor} is past the origin's head ${head ?? "(nothing committed)"}`,
    };
  }

  /** Streams whose watermark changed since `seen` last recorded them. */
  private async *changed(
    nodes: readonly SimNode[],
    seen: Map<string, string>,
    known?: WatermarkView[],
  ): AsyncGenerator<{ node: SimNode; view: WatermarkView; w: Watermark; views: WatermarkView[] }> {
    const views = known ?? (await this.views(nodes));
    let last = this.lastSeen.get(seen);
    if (last === undefined) {
      last = new Map();
      this.lastSeen.set(seen, last);
    }
    for (const view of views) {
      const node = nodes.find((n) => n.index === view.index) as SimNode;
      // The same answer as last time (a probe that caches): nothing changed.
      const prev = last.get(view.index);
      if (prev?.watermarks === view.watermarks && prev.generation === node.generation) continue;
      last.set(view.index, { watermarks: view.watermarks, generation: node.generation });
      for (const w of view.watermarks) {
        const id = `${view.index}|${streamKeyString(w.stream)}`;
        const sig = sigOf(node.generation, w);
        if (seen.get(id) === sig) continue;
        seen.set(id, sig);
        yield { node, view, w, views };
      }
    }
  }

  /** After every instant: checks streams whose watermark changed. */
  async onInstant(nodes: readonly SimNode[]): Promise<PropertyFailure | undefined> {
    await settleOwnCommits(this.oracle, nodes);
    const known = await this.views(nodes);
    const early = this.reuse() ?? (await this.clocks(nodes));
    if (early !== undefined) return early;
    for await (const { node, view, w, views } of this.changed(nodes, this.seen, known)) {
      this.noteHeld(view, w);
      const past = this.beyondHead(view, w) ?? (await this.causal(node, w));
      if (past !== undefined) return past;
      // Mid-pull streams change with every page: diffed once a second (sample).
      if (w.pulling) continue;
      this.checks++;
      const key = streamKeyString(w.stream);
      const want = this.oracle.expectedSummary(key, w.cursor);
      if (want.fp === w.fingerprint && BigInt(want.count) === w.liveCount) {
        this.tainted.delete(`${view.index}|${key}`);
        continue;
      }
      const f = await this.diff(node, view, w, views);
      if (f !== undefined) return f;
    }
    return undefined;
  }

  /** Once a virtual second: row-by-row diffs of streams changed since the last one. */
  async sample(nodes: readonly SimNode[]): Promise<PropertyFailure | undefined> {
    await settleOwnCommits(this.oracle, nodes);
    const reuse = this.reuse();
    if (reuse !== undefined) return reuse;
    for await (const { node, view, w, views } of this.changed(nodes, this.diffed)) {
      const f = await this.diff(node, view, w, views);
      if (f !== undefined) return f;
    }
    return undefined;
  }

  private async diff(
    node: SimNode,
    v: WatermarkView,
    w: Watermark,
    views: readonly WatermarkView[],
  ): Promise<PropertyFailure | undefined> {
    const replica = node.replica;
    if (replica === undefined) return undefined;
    this.diffs++;
    const id = `${v.index}|${streamKeyString(w.stream)}`;
    const held = await replica.probe.entries(w.stream);
    if (w.stream.origin !== v.deviceId)
      this.oracle.noteHeld(
        streamKeyString(w.stream),
        undefined,
        held.map((e) => e.seq),
      );
    const f = checkStreamInvariant(v, w, held, this.oracle, views);
    if (f === undefined) {
      // Only the full invariant proves a repair; the mid-pull form does not.
      if (!w.pulling) this.tainted.delete(id);
      return undefined;
    }
    if (this.tainted.has(id)) return undefined;
    return { ...f, detail: `${f.detail} (safety: seen during the run)` };
  }
}

/**
 * Places each live origin's unconfirmed commits in the oracle once the
 * origin has confirmed them (its cursor passed them; PROTOCOL §3.7): only
 * then are their seqs final.
 */
export async function settleOwnCommits(oracle: Oracle, nodes: readonly SimNode[]): Promise<void> {
  for (const n of nodes) {
    if (!n.alive || n.replica === undefined) continue;
    const pending = oracle.pendingStreams(n.deviceId);
    if (pending.length === 0) continue;
    const marks = await n.replica.probe.watermarks();
    for (const stream of pending) {
      const key = streamKeyString(stream);
      const w = marks.find((m) => streamKeyString(m.stream) === key);
      if (w === undefined || w.cursor === undefined || w.pulling) continue;
      oracle.settlePending(stream, await n.replica.probe.entries(stream), w.cursor);
    }
  }
}
