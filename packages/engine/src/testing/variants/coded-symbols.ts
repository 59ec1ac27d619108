// Initiators that mishandle coded symbols (PROTOCOL.md §7.9.4), each a
// ReconcileInitiator whose replies are bent on the way in: the reference
// logic runs unchanged, so each variant breaks exactly one rule.
import { create } from "@bufbuild/protobuf";
import { CodedSymbolsSchema, type ReconcileRange, ReconcileRangeSchema } from "@tidemark/protocol";
import { addInto, itemHash, subInto } from "../../fingerprint/index.js";
import { ReconcileInitiator } from "../../reconcile/initiator.js";
import type { ReconcileSet } from "../../reconcile/item-set.js";
import type { ReconcileOptions } from "../../reconcile/options.js";
import { RibltDecoder } from "../../reconcile/riblt/decoder.js";
import { symbolsFromWire } from "../../reconcile/riblt/symbols.js";
import type { ReplicaParts } from "../../replica-api.js";

/**
 * RC-26 broken: a decoded difference is checked against the fingerprint it
 * implies, not the responder's, so a false decode (or a lying responder's
 * symbols) is used as the difference.
 */
class TrustsDecode extends ReconcileInitiator {
  private readonly decoder: RibltDecoder;

  constructor(set: ReconcileSet, options: ReconcileOptions) {
    super(set, options);
    this.decoder = new RibltDecoder(set, 0, set.size);
  }

  override reconcile(reply: readonly ReconcileRange[]): ReconcileRange[] | undefined {
    const only = reply[0];
    if (!this.usingCodedSymbols || reply.length !== 1 || only?.payload.case !== "symbols")
      return super.reconcile(reply);
    const symbols = only.payload.value;
    this.decoder.add(symbolsFromWire(Number(symbols.start), symbols));
    const diff = this.decoder.decode();
    if (diff === undefined) return super.reconcile(reply);
    const fp = this.set.fingerprint(0, this.set.size).slice();
    for (const x of diff.ours) subInto(fp, itemHash(x.id, x.seq));
    for (const x of diff.theirs) addInto(fp, itemHash(x.id, x.seq));
    const bent = create(CodedSymbolsSchema, { ...symbols, fingerprint: fp });
    return super.reconcile([
      create(ReconcileRangeSchema, { ...only, payload: { case: "symbols", value: bent } }),
    ]);
  }
}

/**
 * RC-27 broken: past its bound (or a failed check) the initiator gives up
 * and ends the run with nothing needed or had, never reconciling the range
 * with range rounds, so a difference coded symbols cannot decode stays.
 */
class NoFallback extends ReconcileInitiator {
  override reconcile(reply: readonly ReconcileRange[]): ReconcileRange[] | undefined {
    const before = this.fallbackReason;
    const next = super.reconcile(reply);
    return before === undefined && this.fallbackReason !== undefined ? undefined : next;
  }
}

/**
 * RC-29 broken: a skip answer to a symbols_request (an empty reply) is
 * read as "no symbols yet" and the request is sent again.
 */
class RepeatsAfterSkip extends ReconcileInitiator {
  private last: ReconcileRange[] | undefined;

  override initiate(): ReconcileRange[] {
    this.last = super.initiate();
    return this.last;
  }

  override reconcile(reply: readonly ReconcileRange[]): ReconcileRange[] | undefined {
    if (this.usingCodedSymbols && reply.length === 0 && this.last !== undefined) return this.last;
    this.last = super.reconcile(reply);
    return this.last;
  }
}

export const trustsFalseDecode: ReplicaParts = {
  reconcileInitiator: (set, options) => new TrustsDecode(set, options),
};

export const symbolsWithoutFallback: ReplicaParts = {
  reconcileInitiator: (set, options) => new NoFallback(set, options),
};

export const repeatsAfterSkip: ReplicaParts = {
  reconcileInitiator: (set, options) => new RepeatsAfterSkip(set, options),
};
